// The secrets catalog and policies: what Juju will accept as content keys, which label names which
// owned secret, and when each kind's revisions are renewed.
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG, parseConfig } from "../../src/config.js";
import { kvCredentialsLabel, OBSERVED_SECRETS, OWNED_SECRETS, ownedKindOf, SECRET_KEY_PATTERN } from "../../src/secrets/catalog.js";
import { policyFor, revisionExpiry, validityFor } from "../../src/secrets/policy.js";

const DAY = 86_400_000;

describe("secrets catalog", () => {
  it("uses only content keys Juju accepts", () => {
    const keys = [...Object.values(OWNED_SECRETS), ...Object.values(OBSERVED_SECRETS)].flatMap((s) => s.keys);
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) expect(key, key).toMatch(SECRET_KEY_PATTERN);
  });

  it("tells which owned secret a label names, and names none for others", () => {
    expect(ownedKindOf("vault-approle-charm")).toBe("charm-approle");
    expect(ownedKindOf("vault-ca")).toBe("vault-ca");
    expect(ownedKindOf("etcd-mtls")).toBe("etcd-mtls");
    expect(ownedKindOf(kvCredentialsLabel("kv-consumer/12"))).toBe("kv-credentials");
    expect(kvCredentialsLabel("kv-consumer/12")).toBe("vault-kv-kv-consumer-12");
    for (const other of ["shared", "", null, undefined]) expect(ownedKindOf(other)).toBeNull();
  });
});

describe("secret policies", () => {
  it("rotates the charm's AppRole monthly with the configured secret-id lifetime, and none when it is 0", () => {
    expect(policyFor("charm-approle", DEFAULT_CONFIG)).toEqual({ rotate: "monthly", credentialTtl: 90 * 86_400 });
    expect(policyFor("charm-approle", parseConfig({ "charm-secret-id-ttl": "0" }).config).credentialTtl).toBe(0);
    expect(parseConfig({ "charm-secret-id-ttl": "soon" }).problems).toEqual(['charm-secret-id-ttl: "soon" is not a duration like 90s, 30m or 1h']);
  });

  it("renews a secret-id that lives under 46.5 days on expiry alone: a monthly rotation would storm on Juju", () => {
    // Juju's SecretsRotated moves the next rotation to now + 5 min while the latest revision expires
    // before the scheduled one; a revision expires at two thirds of its secret-id's lifetime.
    for (const [ttl, rotate] of [["720h", "never"], ["1110h", "never"], ["1128h", "monthly"], ["2160h", "monthly"], ["0", "monthly"]] as const) {
      expect(policyFor("charm-approle", parseConfig({ "charm-secret-id-ttl": ttl }).config).rotate, ttl).toBe(rotate);
    }
  });

  it("rotates consumer credentials as credential-rotation says, and never the CA", () => {
    expect(policyFor("kv-credentials", parseConfig({ "credential-rotation": "weekly" }).config).rotate).toBe("weekly");
    expect(policyFor("vault-ca", DEFAULT_CONFIG)).toEqual({ rotate: "never", credentialTtl: 0 });
  });

  it("expires a revision two thirds into its credential's validity, counted from now", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    expect(revisionExpiry(validityFor(90 * 86_400, now)!, now)).toBe(`${60 * 86_400}s`);
    expect(validityFor(0, now)).toBeNull();
    // A certificate issued 30 days ago for 90 days: renewed 30 days from now.
    const certificate = { from: new Date(now.getTime() - 30 * DAY), until: new Date(now.getTime() + 60 * DAY) };
    expect(revisionExpiry(certificate, now)).toBe(`${30 * 86_400}s`);
    // Already past its renewal point: expire at once, so secret-expired replaces it now.
    expect(revisionExpiry({ from: new Date(now.getTime() - 80 * DAY), until: new Date(now.getTime() + 10 * DAY) }, now)).toBe("1s");
  });
});
