// The v0 vault-kv dialect (and the example consumer in both dialects) against a real server, all
// through the simulator: the consumer logs in from its own address and round-trips a value.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { VaultRequestError } from "../../src/vault/errors.js";
import { kv2 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { projectRoot } from "../sim/paths.js";
import { clientFrom, deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const decode = (v: string) => Buffer.from(v, "base64").toString();

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`v0 vault-kv and the example consumer on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;
    const credentialSecret = (unit: string) => Object.values(ready.sim.model.secrets).find((s) => s.label === `vault-kv-${unit.replace("/", "-")}`);
    const content = (unit: string) => Object.fromEntries(Object.entries(credentialSecret(unit)!.revisions.at(-1)!.content).map(([k, v]) => [k, decode(v)]));

    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "vault-kv-v0-");
      await ready.sim.deploy(CONSUMER, { app: "kv-consumer", units: 2 });
      await ready.sim.integrate("vault:vault-kv", "kv-consumer:vault");
    }, 240_000);
    afterAll(async () => ready?.sim.destroy());

    it("gives each unit credentials in a granted Juju secret, and the consumer round-trips a value", async () => {
      for (const unit of ["kv-consumer/0", "kv-consumer/1"]) {
        expect(ready.sim.unit(unit).errorHook).toBeNull();
        expect(ready.sim.unit(unit).status.message).toBe(`Vault KV round trip ok: charm-kv-consumer-demo/${unit.replace("/", "-")}/heartbeat`);
        const secret = credentialSecret(unit)!;
        expect(secret).toMatchObject({ ownerKind: "application", owner: "vault" });
        expect(secret.grants.map((g) => g.target)).toEqual([unit]);
        expect(Object.keys(content(unit)).sort()).toEqual(["role-id", "role-secret-id"]);
      }
      const rel = ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "kv-consumer"))!;
      expect(rel.appData.vault).toMatchObject({ mount: "charm-kv-consumer-demo", vault_url: ready.url, ca_certificate: ready.caPem });
      expect(Object.keys(JSON.parse(rel.appData.vault!.credentials!) as object)).toHaveLength(2);
      const stored = await kv2.read(ready.root, "charm-kv-consumer-demo", "kv-consumer-0/heartbeat");
      expect(String(stored?.data?.value)).toMatch(/^kv-consumer\/0 at /);
    });

    it("binds the credentials to the unit's address", async () => {
      const { "role-id": roleId, "role-secret-id": secretId } = content("kv-consumer/0");
      await expect(approle.login(clientFrom(ready, "kv-consumer/1"), "approle", roleId!, secretId!)).rejects.toBeInstanceOf(VaultRequestError);
      expect((await approle.login(clientFrom(ready, "kv-consumer/0"), "approle", roleId!, secretId!)).policies).toContain("charm-kv-consumer-demo-kv-consumer-0");
    });

    it("serves put and get actions through the consumer's own session", async () => {
      const put = await ready.sim.runAction("kv-consumer/1", "put", { key: "colour", value: "teal" });
      expect(put.status, put.message).toBe("completed");
      const get = await ready.sim.runAction("kv-consumer/1", "get", { key: "colour" });
      expect(get.results.value).toBe("teal");
    });

    it("changes no credential when nothing changed", async () => {
      const revisions = credentialSecret("kv-consumer/0")!.revisions.length;
      const accessors = await approle.listSecretIdAccessors(ready.root, "approle", "charm-kv-consumer-demo-kv-consumer-0");
      await ready.sim.runHook("vault/0", "update-status");
      await ready.sim.runHook("kv-consumer/0", "update-status");
      expect(credentialSecret("kv-consumer/0")!.revisions.length).toBe(revisions);
      expect(await approle.listSecretIdAccessors(ready.root, "approle", "charm-kv-consumer-demo-kv-consumer-0")).toEqual(accessors);
    });

    it("rotates on refresh-secrets: the old credential works until the consumer moves on, then is revoked", async () => {
      const old = content("kv-consumer/0");
      const refreshed = await ready.sim.runAction("vault/0", "refresh-secrets", { unit: "kv-consumer/0" });
      expect(refreshed.status, refreshed.message).toBe("completed");
      const secret = credentialSecret("kv-consumer/0")!;
      // The consumer got secret-changed, refreshed to the new revision; Juju then sent secret-remove
      // for the old one, and the charm revoked the old secret-id by its accessor.
      expect(secret.tracking["kv-consumer/0"]).toBe(secret.revisions.at(-1)!.revision);
      expect(ready.sim.runs.some((r) => r.unit === "vault/0" && r.name === "secret-remove" && r.exitCode === 0)).toBe(true);
      expect(secret.revisions.map((r) => r.revision)).toEqual([2]);
      await expect(approle.login(clientFrom(ready, "kv-consumer/0"), "approle", old["role-id"]!, old["role-secret-id"]!)).rejects.toBeInstanceOf(VaultRequestError);
      const fresh = content("kv-consumer/0");
      expect(fresh["role-secret-id"]).not.toBe(old["role-secret-id"]);
      expect(await approle.listSecretIdAccessors(ready.root, "approle", "charm-kv-consumer-demo-kv-consumer-0")).toHaveLength(1);
      expect(ready.sim.unit("kv-consumer/0").status.status).toBe("active");
    });

    it("generate-secret-id hands out a wrapped secret_id that unwraps once, and refuses roles it does not manage", async () => {
      const role = "charm-kv-consumer-demo-kv-consumer-0";
      const wrapped = await ready.sim.runAction("vault/0", "generate-secret-id", { role, "wrap-ttl": "5m", cidr: `${ready.sim.unit("kv-consumer/0").address}/32` });
      expect(wrapped.status, wrapped.message).toBe("completed");
      const worker = clientFrom(ready, "kv-consumer/0");
      const unwrapped = await sys.unwrap(worker, String(wrapped.results["wrapping-token"]));
      await expect(sys.unwrap(worker, String(wrapped.results["wrapping-token"]))).rejects.toBeInstanceOf(VaultRequestError);
      const session = await approle.login(worker, "approle", content("kv-consumer/0")["role-id"]!, String(unwrapped.secret_id));
      expect(session.policies).toContain(role);
      const plain = await ready.sim.runAction("vault/0", "generate-secret-id", { role, wrapped: false });
      expect(String(plain.results["secret-id"])).toMatch(/^[0-9a-f-]{36}$/);
      for (const [params, message] of [
        [{ role: "juju-vault-charm" }, 'role "juju-vault-charm" is not managed by this charm (names start with charm-)'],
        [{ role: "charm-nope" }, "AppRole charm-nope does not exist"],
        [{ role, "wrap-ttl": "forever" }, 'wrap-ttl "forever" is not a duration like 90s, 15m or 1h'],
        [{ role, cidr: "10.0.0.0/33" }, 'cidr "10.0.0.0/33" is not a CIDR'],
      ] as const) {
        expect(await ready.sim.runAction("vault/0", "generate-secret-id", params)).toMatchObject({ status: "failed", message });
      }
      // Operator-issued secret-ids are the operator's to revoke; the action's output is the only copy.
      expect(JSON.stringify(ready.sim.model.relations)).not.toContain(String(unwrapped.secret_id));
    });

    it("removes a departed unit's AppRole, policy and credentials secret, and keeps the data", async () => {
      await ready.sim.removeUnit("kv-consumer/1");
      expect(await approle.readRole(ready.root, "approle", "charm-kv-consumer-demo-kv-consumer-1")).toBeNull();
      expect(await sys.readPolicy(ready.root, "charm-kv-consumer-demo-kv-consumer-1")).toBeNull();
      expect(credentialSecret("kv-consumer/1")).toBeUndefined();
      expect((await kv2.read(ready.root, "charm-kv-consumer-demo", "kv-consumer-1/colour"))?.data?.value).toBe("teal");
    });

    it("serves either dialect on either endpoint", async () => {
      await ready.sim.deploy(CONSUMER, { app: "old-style", config: { dialect: "legacy", backend: "charm-old-style" } });
      await ready.sim.integrate("vault:vault-kv", "old-style:vault");
      expect(ready.sim.unit("old-style/0").status.message).toBe("Vault KV round trip ok: charm-old-style/old-style-0/heartbeat");
      await ready.sim.deploy(CONSUMER, { app: "new-style" });
      await ready.sim.integrate("vault:secrets", "new-style:vault");
      expect(ready.sim.unit("new-style/0").status.message).toBe("Vault KV round trip ok: charm-new-style-demo/new-style-0/heartbeat");
      expect(ready.sim.unit("vault/0").status.message).toBe("Unsealed (active)");
    });
  });
}
