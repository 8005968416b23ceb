import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, durationSeconds, parseConfig } from "../../src/config.js";

describe("parseConfig", () => {
  it("uses the documented defaults", () => {
    expect(parseConfig({})).toEqual({ config: DEFAULT_CONFIG, problems: [] });
    expect(DEFAULT_CONFIG.tokenTtl).toBe("1h");
    expect(DEFAULT_CONFIG.wrapTtl).toBe("1h");
    expect(DEFAULT_CONFIG.bindCidr).toBe(true);
  });

  it("accepts valid values", () => {
    const { config, problems } = parseConfig({
      "token-ttl": "90m",
      "wrap-ttl": "30s",
      "bind-cidr": false,
      "credential-rotation": "weekly",
      "unseal-keys": "secret:cv5d4n7mp25c7a3qd5a0",
      "log-level": "debug",
      "vault-url": "https://vault.example.com:8200",
    });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ tokenTtl: "90m", wrapTtl: "30s", bindCidr: false, credentialRotation: "weekly" });
    expect(config.unsealKeysSecret).toBe("secret:cv5d4n7mp25c7a3qd5a0");
  });

  it("rejects bad values with the option name and keeps the default", () => {
    const { config, problems } = parseConfig({
      "token-ttl": "forever",
      "credential-rotation": "sometimes",
      "unseal-keys": "../../etc/passwd",
      "kv-mount-prefix": "sys/",
      "bind-cidr": "yes",
      channel: "1.19/stable; rm -rf /",
    });
    expect(problems).toHaveLength(6);
    expect(problems.join("\n")).toMatch(/token-ttl: "forever" is not a duration/);
    expect(problems.join("\n")).toMatch(/unseal-keys: .* is not a Juju secret URI/);
    expect(config.tokenTtl).toBe("1h");
    expect(config.kvMountPrefix).toBe("charm-");
    expect(config.channel).toBe(DEFAULT_CONFIG.channel);
  });
});

describe("durationSeconds", () => {
  it("reads every duration config accepts, as Vault stores TTLs", () => {
    expect(durationSeconds("3600")).toBe(3600);
    expect(durationSeconds("1h")).toBe(3600);
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(durationSeconds("2d")).toBe(172800);
    expect(durationSeconds("1500ms")).toBe(1);
    expect(durationSeconds("1x")).toBeNaN();
  });
});

// Issue 16 finding 3: values Vault refuses (or that break the hook later) are caught up front, each
// with the option's name and what to do, and the option keeps its default meanwhile.
describe("parseConfig: what Vault would refuse", () => {
  it("refuses a TTL longer than Vault's duration range (token-ttl=999999999h)", () => {
    const { config, problems } = parseConfig({ "token-ttl": "999999999h" });
    expect(problems).toEqual(['token-ttl: "999999999h" is longer than Vault accepts (at most 2562047h): use a shorter duration']);
    expect(config.tokenTtl).toBe("1h");
  });

  it("refuses wrap-ttl=0, which would turn response wrapping off", () => {
    for (const zero of ["0", "0s", "500ms"]) {
      const { config, problems } = parseConfig({ "wrap-ttl": zero });
      expect(problems[0]).toMatch(/^wrap-ttl: ".*" must be at least 1s \(0 would turn response wrapping off/);
      expect(config.wrapTtl).toBe("1h");
    }
  });

  it("refuses max-lease-ttl below default-lease-ttl, naming the option that moved", () => {
    const low = parseConfig({ "max-lease-ttl": "1h" });
    expect(low.problems).toEqual(['max-lease-ttl: "1h" is below default-lease-ttl "168h": raise max-lease-ttl or lower default-lease-ttl first']);
    expect(low.config).toMatchObject({ maxLeaseTtl: "720h", defaultLeaseTtl: "168h" });
    const high = parseConfig({ "default-lease-ttl": "1000h" });
    expect(high.problems[0]).toMatch(/^default-lease-ttl: "1000h" is above max-lease-ttl "720h"/);
    expect(high.config.defaultLeaseTtl).toBe("168h");
    expect(parseConfig({ "default-lease-ttl": "1h", "max-lease-ttl": "2h" }).problems).toEqual([]);
  });

  it("refuses consumer TTLs above max-lease-ttl on the local Vault, not on an external one", () => {
    const { config, problems } = parseConfig({ "max-lease-ttl": "200h", "token-ttl": "300h" });
    expect(problems).toEqual(['token-ttl: "300h" is above max-lease-ttl "200h" (Vault would cut it short): lower token-ttl or raise max-lease-ttl']);
    expect(config.tokenTtl).toBe("1h");
    expect(parseConfig({ "max-lease-ttl": "200h", "token-ttl": "300h", "vault-url": "https://vault.example.com:8200" }).problems).toEqual([]);
  });

  it("refuses mount prefixes that name Vault's own paths or the charm's own role", () => {
    for (const prefix of ["juju-", "sys-", "auth-x-", "identity-"]) {
      const { config, problems } = parseConfig({ "kv-mount-prefix": prefix });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^kv-mount-prefix: "${prefix}" is reserved .*: choose another prefix`));
      expect(config.kvMountPrefix).toBe("charm-");
    }
    expect(parseConfig({ "kv-mount-prefix": "kv-" }).problems).toEqual([]);
    expect(parseConfig({ "kv-mount-prefix": "jujutsu-" }).problems).toEqual([]);
  });
});
