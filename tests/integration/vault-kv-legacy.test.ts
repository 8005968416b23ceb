// The legacy vault-kv dialect against a real server: the requirer is a small charm that asks the way
// Python-era requirers do; the test plays its workload (unwrap, log in from the unit's address).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { VaultPermissionDeniedError, VaultRequestError } from "../../src/vault/errors.js";
import { kv1 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { projectRoot } from "../sim/paths.js";
import { clientFrom, deployReadyVault, jsonValue, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const REQUIRER = join(projectRoot(), "tests", "integration", "charms", "legacy-requirer");

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`legacy vault-kv on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;
    /** isolated/0's secret_id, as its workload unwrapped it. */
    let unwrappedSecretId = "";
    const leaderBag = () => ready.sim.model.relations.find((r) => r.interface === "vault-kv" && r.ends.some((e) => e.app === "isolated"))!.unitData["vault/0"];

    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "vault-kv-legacy-");
      await ready.sim.deploy(REQUIRER, { app: "isolated", units: 2 });
      await ready.sim.integrate("vault:secrets", "isolated:secrets");
    }, 240_000);
    afterAll(async () => ready?.sim.destroy());

    it("publishes vault_url, vault_ca, and a role_id and wrapped token per requirer unit", () => {
      const bag = leaderBag();
      expect(jsonValue(bag, "vault_url")).toBe(ready.url);
      expect(Buffer.from(jsonValue(bag, "vault_ca"), "base64").toString()).toBe(ready.caPem);
      for (const unit of ["isolated/0", "isolated/1"]) {
        expect(jsonValue(bag, `${unit}_role_id`)).toMatch(/^[0-9a-f-]{36}$/);
        expect(jsonValue(bag, `${unit}_token`).length).toBeGreaterThan(20);
      }
      expect(ready.sim.unit("vault/0").status.message).toBe("Unsealed (active)");
    });

    it("wraps the secret_id in a token that unwraps exactly once", async () => {
      const token = jsonValue(leaderBag(), "isolated/0_token");
      const unit0 = clientFrom(ready, "isolated/0");
      const unwrapped = await sys.unwrap(unit0, token);
      expect(typeof unwrapped.secret_id).toBe("string");
      await expect(sys.unwrap(unit0, token)).rejects.toBeInstanceOf(VaultRequestError);
      unwrappedSecretId = String(unwrapped.secret_id);
    });

    it("lets the unit log in from its own address only", async () => {
      const roleId = jsonValue(leaderBag(), "isolated/0_role_id");
      const secretId = unwrappedSecretId;
      const session = await approle.login(clientFrom(ready, "isolated/0"), "approle", roleId, secretId);
      expect(session.policies).toContain("charm-isolated-0");
      await expect(approle.login(clientFrom(ready, "isolated/1"), "approle", roleId, secretId)).rejects.toBeInstanceOf(VaultRequestError);
    });

    it("confines an isolated unit to its own host's path", async () => {
      const roleId = jsonValue(leaderBag(), "isolated/0_role_id");
      const secretId = unwrappedSecretId;
      const { token } = await approle.login(clientFrom(ready, "isolated/0"), "approle", roleId, secretId);
      const unit0 = clientFrom(ready, "isolated/0", token);
      await kv1.write(unit0, "charm-legacy", "isolated-0/db", { password: "p0" });
      expect(await kv1.read(unit0, "charm-legacy", "isolated-0/db")).toEqual({ password: "p0" });
      await kv1.write(ready.root, "charm-legacy", "isolated-1/db", { password: "p1" });
      await expect(kv1.read(unit0, "charm-legacy", "isolated-1/db")).rejects.toBeInstanceOf(VaultPermissionDeniedError);
    });

    it("gives another application's non-isolated request the whole backend only when the operator shares it", async () => {
      await ready.sim.deploy(REQUIRER, { app: "shared", config: { isolated: "false" } });
      await ready.sim.integrate("vault:secrets", "shared:secrets");
      expect(ready.sim.unit("vault/0").status).toMatchObject({
        status: "blocked",
        message: expect.stringContaining("shared/0: backend charm-legacy belongs to application isolated") as string,
      });
      expect(Object.keys(ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "shared"))!.unitData["vault/0"] ?? {})).not.toContain("shared/0_token");
      await ready.sim.setConfig("vault", { "kv-shared-backends": "charm-legacy" });
      expect(ready.sim.unit("vault/0").status.message).toBe("Unsealed (active)");
      const bag = ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "shared"))!.unitData["vault/0"];
      const token = jsonValue(bag, "shared/0_token");
      const unit = clientFrom(ready, "shared/0");
      const secretId = String((await sys.unwrap(unit, token)).secret_id);
      const session = await approle.login(unit, "approle", jsonValue(bag, "shared/0_role_id"), secretId);
      expect(await kv1.read(clientFrom(ready, "shared/0", session.token), "charm-legacy", "isolated-1/db")).toEqual({ password: "p1" });
      await ready.sim.removeRelation(ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "shared"))!.id);
      await ready.sim.setConfig("vault", { "kv-shared-backends": "" });
    });

    it("refuses a backend outside charm-*, creates nothing, and says which unit and why", async () => {
      const mountsBefore = Object.keys(await sys.listMounts(ready.root)).sort();
      await ready.sim.deploy(REQUIRER, { app: "rogue", config: { backend: "secret" } });
      await ready.sim.integrate("vault:secrets", "rogue:secrets");
      expect(ready.sim.unit("vault/0").status).toMatchObject({ status: "blocked", message: 'vault-kv request refused: rogue/0: secret_backend "secret" does not start with "charm-"' });
      expect(Object.keys(await sys.listMounts(ready.root)).sort()).toEqual(mountsBefore);
      expect(await sys.listPolicies(ready.root)).not.toContain("charm-rogue-0");
      const bag = ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "rogue"))!.unitData["vault/0"] ?? {};
      expect(Object.keys(bag).filter((k) => k.startsWith("rogue"))).toEqual([]);
      await ready.sim.removeRelation(ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "rogue"))!.id);
      expect(ready.sim.unit("vault/0").status.message).toBe("Unsealed (active)");
    });

    it("issues nothing new when nothing changed", async () => {
      const before = JSON.stringify(leaderBag());
      const accessors = await approle.listSecretIdAccessors(ready.root, "approle", "charm-isolated-0");
      await ready.sim.runHook("vault/0", "update-status");
      expect(JSON.stringify(leaderBag())).toBe(before);
      expect(await approle.listSecretIdAccessors(ready.root, "approle", "charm-isolated-0")).toEqual(accessors);
    });

    it("refresh-secrets publishes a new wrapped token for one unit", async () => {
      const before = jsonValue(leaderBag(), "isolated/1_token");
      const other = jsonValue(leaderBag(), "isolated/0_token");
      const action = await ready.sim.runAction("vault/0", "refresh-secrets", { unit: "isolated/1" });
      expect(action.status, action.message).toBe("completed");
      expect(jsonValue(leaderBag(), "isolated/1_token")).not.toBe(before);
      expect(jsonValue(leaderBag(), "isolated/0_token")).toBe(other);
    });

    it("revokes a departed unit's AppRole and policy, and keeps the data", async () => {
      const roleId = jsonValue(leaderBag(), "isolated/0_role_id");
      const secretId = unwrappedSecretId;
      await ready.sim.removeUnit("isolated/0");
      expect(leaderBag()?.["isolated/0_role_id"]).toBeUndefined();
      expect(await approle.readRole(ready.root, "approle", "charm-isolated-0")).toBeNull();
      expect(await sys.readPolicy(ready.root, "charm-isolated-0")).toBeNull();
      await expect(approle.login(clientFrom(ready, "vault/0"), "approle", roleId, secretId)).rejects.toBeInstanceOf(VaultRequestError);
      expect(await kv1.read(ready.root, "charm-legacy", "isolated-0/db")).toEqual({ password: "p0" });
    });
  });
}
