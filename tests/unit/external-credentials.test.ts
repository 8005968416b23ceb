import { describe, expect, it } from "vitest";
import { parseExternalCredentials } from "../../src/external/credentials.js";

const ROLE = "6f1c4e2a-1b1d-4c55-9a4e-0d5f0a6a7b21";
const SECRET = "a9d6b7e4-3f2c-4d1e-8b7a-5c4d3e2f1a0b";

describe("parseExternalCredentials (the vault-auth secret)", () => {
  it.each([
    [{ token: "hvs.CAESIJ1x2y3z" }, { kind: "token", token: "hvs.CAESIJ1x2y3z" }],
    [{ token: "  s.abcdefgh12345678\n" }, { kind: "token", token: "s.abcdefgh12345678" }],
    [{ "role-id": ROLE, "secret-id": SECRET }, { kind: "approle", roleId: ROLE, secretId: SECRET, mount: "approle" }],
    [{ "role-id": ROLE, "secret-id": SECRET, "approle-mount": "teams/juju" }, { kind: "approle", roleId: ROLE, secretId: SECRET, mount: "teams/juju" }],
  ])("accepts %j", (content, credentials) => {
    expect(parseExternalCredentials(content)).toEqual({ ok: true, credentials });
  });

  it.each([
    [{}, /needs a token field, or role-id and secret-id/],
    [{ "role-id": ROLE }, /needs a token field, or role-id and secret-id/],
    [{ token: "hvs.CAESIJ1x2y3z", "role-id": ROLE }, /both token and role-id\/secret-id/],
    [{ token: "short" }, /is not a Vault token/],
    [{ token: "hvs.has spaces inside" }, /is not a Vault token/],
    [{ "role-id": ROLE, "secret-id": "../../sys" }, /is not an AppRole id/],
    [{ "role-id": ROLE, "secret-id": SECRET, "approle-mount": "../sys/raw" }, /approle-mount is not a mount path/],
  ])("refuses %j", (content, reason) => {
    const parsed = parseExternalCredentials(content as Record<string, string>);
    expect(parsed.ok).toBe(false);
    const why = parsed.ok ? "" : parsed.reason;
    expect(why).toMatch(reason);
    // A reason never quotes what the secret holds.
    for (const value of Object.values(content)) if (value.length >= 8) expect(why).not.toContain(value.trim());
  });
});
