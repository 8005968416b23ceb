import { describe, expect, it } from "vitest";
import { renderVaultConfig, withoutLocalListener, type VaultServerConfig } from "../../src/vault/hcl.js";

const base: VaultServerConfig = {
  address: "10.0.0.9",
  apiPort: 8200,
  clusterPort: 8201,
  tlsCertFile: "/t/c",
  tlsKeyFile: "/t/k",
  fileStoragePath: "/d",
  raftNodeId: null,
  etcd: null,
  defaultLeaseTtl: "1h",
  maxLeaseTtl: "2h",
  logLevel: "info",
  disableMlock: true,
  localSocket: null,
};

describe("Vault's configuration: the charm's local socket", () => {
  it("adds a plain Unix listener beside the TLS one, with no chown or mode for a confined snap to be refused", () => {
    const hcl = renderVaultConfig({ ...base, localSocket: "/var/snap/vault/common/run/vault.sock" });
    expect(hcl).toContain('listener "unix" {\n  address = "/var/snap/vault/common/run/vault.sock"\n}\n');
    expect(hcl).toContain('listener "tcp" {\n  address         = "10.0.0.9:8200"');
    expect(hcl).not.toMatch(/socket_(mode|user|group)/);
    expect(renderVaultConfig(base)).not.toContain('listener "unix"');
  });

  it("tells a config that differs from the running one in that listener alone, which needs no restart", () => {
    const without = renderVaultConfig(base);
    const withSocket = renderVaultConfig({ ...base, localSocket: "/s/vault.sock" });
    expect(withoutLocalListener(withSocket)).toBe(without);
    expect(withoutLocalListener(without)).toBe(without);
    // Any other change still shows: the log level, or the listener's own TLS files.
    expect(withoutLocalListener(renderVaultConfig({ ...base, localSocket: "/s/vault.sock", logLevel: "debug" }))).not.toBe(without);
    expect(withoutLocalListener(renderVaultConfig({ ...base, localSocket: "/s/vault.sock", tlsCertFile: "/t/other" }))).not.toBe(without);
  });
});
