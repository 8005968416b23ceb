// The pull-authentication setup `vault-charm policy --runner-role` prints. That Vault accepts it and
// enforces it is tests/integration/external-vault-pull.test.ts; here, what it grants on paper.
import { describe, expect, it } from "vitest";
import { durationSeconds } from "../../src/config.js";
import { PULL_WRAP_TTL } from "../../src/external/pull.js";
import { DEFAULT_PULL_SETUP, pullSetupScript, roleCommands, WORKER_WRAPPING_TTL, workerPolicy } from "../../src/external/pull-policy.js";

const setup = { ...DEFAULT_PULL_SETUP, prefix: "charm-" };

describe("pull-authentication setup", () => {
  it("gives the worker update on its runner's secret-id path only, with wrapping required", () => {
    const hcl = workerPolicy({ mount: "approle", runnerRole: "vault-charm-runner" });
    expect([...hcl.matchAll(/^path "([^"]+)"/gm)].map((m) => m[1])).toEqual(["auth/approle/role/vault-charm-runner/secret-id"]);
    expect(hcl).toContain('capabilities = ["update"]');
    expect(hcl).toMatch(/min_wrapping_ttl = "1s"/);
  });

  it("asks for a wrap TTL the worker's policy admits", () => {
    const ttl = durationSeconds(PULL_WRAP_TTL);
    expect(ttl).toBeGreaterThanOrEqual(durationSeconds(WORKER_WRAPPING_TTL.min));
    expect(ttl).toBeLessThanOrEqual(durationSeconds(WORKER_WRAPPING_TTL.max));
  });

  it("makes one-use runner secret-ids and binds both roles to the given CIDRs", () => {
    const [runner, worker] = roleCommands({ ...setup, cidrs: ["10.0.0.5/32", "10.0.0.6/32"] });
    expect(runner).toMatch(/^vault write auth\/approle\/role\/vault-charm-runner token_policies=vault-charm-runner .*secret_id_num_uses=1/);
    expect(worker).toMatch(/^vault write auth\/approle\/role\/vault-charm-worker token_policies=vault-charm-worker /);
    for (const line of [runner, worker]) expect(line).toContain("secret_id_bound_cidrs=10.0.0.5/32,10.0.0.6/32 token_bound_cidrs=10.0.0.5/32,10.0.0.6/32");
    expect(roleCommands(setup).join("\n")).not.toContain("cidrs");
  });

  it("prints both policies as heredocs and the vault-auth fields the charm parses, on the chosen mount", () => {
    const script = pullSetupScript({ ...setup, mount: "teams/approle" });
    expect([...script.matchAll(/^vault policy write (\S+) - <<'EOF'$/gm)].map((m) => m[1])).toEqual(["vault-charm-worker", "vault-charm-runner"]);
    expect(script).toContain('path "auth/teams/approle/role/vault-charm-runner/secret-id"');
    expect(script).toMatch(/^vault write auth\/teams\/approle\/role\/vault-charm-runner /m);
    for (const field of ["runner-role=vault-charm-runner", "approle-mount=teams/approle", "runner-role-id=", "worker-role-id=", "worker-secret-id="]) expect(script).toContain(field);
  });
});
