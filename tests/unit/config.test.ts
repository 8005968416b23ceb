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
