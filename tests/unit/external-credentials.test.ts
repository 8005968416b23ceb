import { describe, expect, it } from "vitest";
import { parseExternalCredentials } from "../../src/external/credentials.js";

const ROLE = "6f1c4e2a-1b1d-4c55-9a4e-0d5f0a6a7b21";
const SECRET = "a9d6b7e4-3f2c-4d1e-8b7a-5c4d3e2f1a0b";
const RUNNER = "0b6e2f1d-9c8a-4e3b-a7d6-5f4e3d2c1b0a";
const PULL = { "worker-role-id": ROLE, "worker-secret-id": SECRET, "runner-role": "vault-charm-runner", "runner-role-id": RUNNER };

describe("parseExternalCredentials (the vault-auth secret)", () => {
  it.each([
    [{ token: "hvs.CAESIJ1x2y3z" }, { kind: "token", token: "hvs.CAESIJ1x2y3z" }],
    [{ token: "  s.abcdefgh12345678\n" }, { kind: "token", token: "s.abcdefgh12345678" }],
    [{ "role-id": ROLE, "secret-id": SECRET }, { kind: "approle", roleId: ROLE, secretId: SECRET, mount: "approle" }],
    [{ "role-id": ROLE, "secret-id": SECRET, "approle-mount": "teams/juju" }, { kind: "approle", roleId: ROLE, secretId: SECRET, mount: "teams/juju" }],
    [
      { "worker-role-id": ROLE, "worker-secret-id": SECRET, "runner-role": "vault-charm-runner", "runner-role-id": RUNNER },
      { kind: "pull", workerRoleId: ROLE, workerSecretId: SECRET, runnerRole: "vault-charm-runner", runnerRoleId: RUNNER, mount: "approle" },
    ],
    [
      { "worker-role-id": ROLE, "worker-secret-id": ` ${SECRET}\n`, "runner-role": "ci.runner_1", "runner-role-id": RUNNER, "approle-mount": "pull" },
      { kind: "pull", workerRoleId: ROLE, workerSecretId: SECRET, runnerRole: "ci.runner_1", runnerRoleId: RUNNER, mount: "pull" },
    ],
  ])("accepts %j", (content, credentials) => {
    expect(parseExternalCredentials(content)).toEqual({ ok: true, credentials });
  });

  it.each([
    [{}, /needs token; or role-id and secret-id; or worker-role-id, worker-secret-id, runner-role and runner-role-id/],
    [{ "role-id": ROLE }, /lacks field secret-id/],
    [{ token: "hvs.CAESIJ1x2y3z", "role-id": ROLE }, /mixes fields of several forms/],
    [{ token: "hvs.CAESIJ1x2y3z", "approle-mount": "approle" }, /approle-mount, which a token does not use/],
    [{ "role-id": ROLE, "secret-id": SECRET, "worker-role-id": ROLE }, /mixes fields of several forms/],
    [{ "role-id": ROLE, "secret-id": SECRET, rolid: ROLE }, /field\(s\) rolid the charm does not know/],
    [{ ...PULL, "worker-secret-id": undefined }, /lacks field\(s\) worker-secret-id \(pull authentication needs/],
    [{ "runner-role": "vault-charm-runner" }, /lacks field\(s\) worker-role-id, worker-secret-id, runner-role-id/],
    [{ ...PULL, "worker-role-id": "not an id!" }, /field worker-role-id is not an AppRole id/],
    [{ ...PULL, "worker-secret-id": "short" }, /field worker-secret-id is not an AppRole id/],
    [{ ...PULL, "runner-role-id": "../../sys/raw" }, /field runner-role-id is not an AppRole id/],
    [{ ...PULL, "runner-role": "runner/../../sys" }, /field runner-role is not an AppRole role name/],
    [{ ...PULL, "approle-mount": "/sys" }, /approle-mount is not a mount path/],
    [{ token: "short" }, /is not a Vault token/],
    [{ token: "hvs.has spaces inside" }, /is not a Vault token/],
    [{ "role-id": ROLE, "secret-id": "../../sys" }, /is not an AppRole id/],
    [{ "role-id": ROLE, "secret-id": SECRET, "approle-mount": "../sys/raw" }, /approle-mount is not a mount path/],
  ])("refuses %j", (content, reason) => {
    const defined = Object.fromEntries(Object.entries(content).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const parsed = parseExternalCredentials(defined);
    expect(parsed.ok).toBe(false);
    const why = parsed.ok ? "" : parsed.reason;
    expect(why).toMatch(reason);
    // A reason never quotes what the secret holds.
    for (const value of Object.values(defined)) if (value.length >= 8) expect(why).not.toContain(value.trim());
  });
});

describe("vaultReason (Vault's refusal in a status message)", () => {
  it("puts Go's multierror text on one line without its wrapping", async () => {
    const { vaultReason } = await import("../../src/external/pull.js");
    const { VaultRequestError } = await import("../../src/vault/errors.js");
    expect(vaultReason(new VaultRequestError(403, "p", ["1 error occurred:\n\t* permission denied\n\n"]))).toBe("permission denied");
    expect(vaultReason(new VaultRequestError(400, "p", ["invalid role or secret ID"]))).toBe("invalid role or secret ID");
    expect(vaultReason(new VaultRequestError(500, "p", []))).toBe("500");
  });
});
