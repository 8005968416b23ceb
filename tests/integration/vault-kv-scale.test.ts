// vault-kv at scale on one HA Vault: a 3-unit vault application on a real etcd cluster serving three
// consumer applications of three units each, in mixed dialects on both endpoints; leadership moves
// to another vault unit in the middle of provisioning; then two consumer units leave. Each consumer
// unit must end with exactly one AppRole and exactly one live secret-id that logs in from its own
// address (no duplicate, none missing), and a departure must revoke exactly that unit's.
// Last, the charm's own AppRole rotates while a standby vault unit still tracks the old revision.
// HashiCorp Vault only: several units serve one Vault through etcd storage, which OpenBao lacks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { VaultClient } from "../../src/vault/client.js";
import { VaultRequestError } from "../../src/vault/errors.js";
import { startEtcdCluster, type EtcdCluster } from "../etcd/cluster.js";
import { deployEtcdProvider } from "../etcd/provider.js";
import { projectRoot } from "../sim/paths.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const etcdBin = process.env.ETCD_BIN_DIR;
const vault = implementations().find((i) => i.name === "vault")!;

/** Three consumer applications: v0 on vault-kv, legacy on secrets, v0 on the legacy endpoint. */
const APPS = [
  { app: "kv-a", endpoint: "vault:vault-kv", config: { dialect: "v0", "mount-suffix": "a" } },
  { app: "kv-b", endpoint: "vault:secrets", config: { dialect: "legacy", backend: "charm-kv-b" } },
  { app: "kv-c", endpoint: "vault:secrets", config: { dialect: "v0", "mount-suffix": "c" } },
] as const;
const DAY = 86_400_000;
const dialectOf = (unit: string) => APPS.find((a) => unit.startsWith(`${a.app}/`))!.config.dialect;

describe.skipIf(!etcdBin || !vault.bin)(`vault-kv at scale on HA Vault${etcdBin && vault.bin ? "" : " (etcd or HashiCorp Vault not installed: skipped)"}`, () => {
  let cluster: EtcdCluster;
  let ready: ReadyVault;
  const leader = () => ready.sim.model.apps.vault!.leader!;
  const consumerUnits = () => APPS.flatMap(({ app }) => ready.sim.aliveUnits(app));

  /** The Vault API of a vault unit, reached from a consumer unit's own address. */
  const from = (consumer: string, token?: string) =>
    new VaultClient({ url: `https://${ready.sim.unit(leader()).address}:8200`, caPem: ready.caPem, localAddress: ready.sim.unit(consumer).address, ...(token ? { token } : {}) });
  const root = () => new VaultClient({ url: `https://${ready.sim.unit(leader()).address}:8200`, caPem: ready.caPem, token: ready.rootToken });

  /** The role-id and secret-id the consumer unit holds right now, as its workload sees them. */
  function credentialsOf(unit: string): { roleId: string; secretId: string } {
    if (dialectOf(unit) === "v0") {
      const secret = Object.values(ready.sim.model.secrets).find((s) => s.label === `vault-kv-${unit.replace("/", "-")}`)!;
      const content = Object.fromEntries(Object.entries(secret.revisions.at(-1)!.content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
      return { roleId: content["role-id"]!, secretId: content["role-secret-id"]! };
    }
    const rel = ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === unit.split("/")[0]))!;
    const roleId = JSON.parse(rel.unitData[leader()]![`${unit}_role_id`]!) as string;
    const secretId = readFileSync(join(ready.sim.unit(unit).dataDir, "var/lib/kv-consumer/secret-id"), "utf8");
    return { roleId, secretId };
  }

  /** The consumers' AppRoles (the charm's own, juju-vault-charm, is not one). */
  const consumerRoles = async () => (await approle.listRoles(root(), "approle")).filter((r) => r.startsWith("charm-"));

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3, binDir: etcdBin! });
    ready = await deployReadyVault(vault.bin!, "vault-kv-scale-");
    await ready.sim.integrate("vault:etcd", `${await deployEtcdProvider(ready.sim, cluster)}:etcd-client`);
    await ready.sim.addUnit("vault", 2);
    expect(["vault/0", "vault/1", "vault/2"].map((u) => ready.sim.unit(u).status.message).sort()).toEqual(["Unsealed (active)", "Unsealed (standby)", "Unsealed (standby)"]);
  }, 300_000);
  afterAll(async () => {
    await ready?.sim.destroy();
    await cluster?.stop();
  });

  it("serves 3 consumer apps x 3 units in mixed dialects through a leader change mid-provisioning", async () => {
    const [a, b, c] = APPS;
    await ready.sim.deploy(CONSUMER, { app: a.app, units: 3, config: { ...a.config } });
    await ready.sim.integrate(a.endpoint, `${a.app}:vault`);
    await ready.sim.deploy(CONSUMER, { app: b.app, units: 2, config: { ...b.config } });
    await ready.sim.integrate(b.endpoint, `${b.app}:vault`);
    // vault/0 has served kv-a and two kv-b units. Now its agent stalls with more work queued, and
    // Juju hands leadership to vault/1 while that work waits.
    ready.sim.hold("vault/0");
    await ready.sim.addUnit(b.app);
    await ready.sim.deploy(CONSUMER, { app: c.app, units: 3, config: { ...c.config } });
    await ready.sim.integrate(c.endpoint, `${c.app}:vault`);
    await ready.sim.transferLeadership("vault", "vault/1");
    await ready.sim.release("vault/0");

    expect(leader()).toBe("vault/1");
    for (const unit of Object.keys(ready.sim.model.units)) expect(ready.sim.unit(unit).errorHook, unit).toBeNull();
    const units = consumerUnits();
    expect(units).toHaveLength(9);
    for (const unit of units) expect(ready.sim.unit(unit).status.message, unit).toMatch(/^Vault KV round trip ok: /);

    // Legacy credentials sit in the leader's databag alone (LP#1849323): the old leader withdrew its own.
    const legacyRel = ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === b.app))!;
    for (const vaultUnit of ["vault/0", "vault/2"]) {
      expect(Object.keys(legacyRel.unitData[vaultUnit] ?? {}).filter((k) => /_(role_id|token)$/.test(k)), vaultUnit).toEqual([]);
    }
    expect(Object.keys(legacyRel.unitData["vault/1"]!).filter((k) => k.endsWith("_token")).sort()).toEqual(["kv-b/0_token", "kv-b/1_token", "kv-b/2_token"]);

    // Exactly one AppRole and one live secret-id per consumer unit, and it logs in from that unit,
    // once the new leader has run one more hook: it reissued every legacy token (its databag had
    // none), and the secret-ids those replaced go in the leader hook after the new tokens are
    // committed (src/relations/vault-kv/retirements.ts); here, the update-status Juju runs anyway.
    await ready.sim.runHook(leader(), "update-status");
    const roles = await consumerRoles();
    expect(roles).toHaveLength(9);
    for (const role of roles) {
      const live = await approle.listSecretIdAccessors(root(), "approle", role);
      expect(live, role).toHaveLength(1);
    }
    for (const unit of units) {
      const { roleId, secretId } = credentialsOf(unit);
      const session = await approle.login(from(unit), "approle", roleId, secretId);
      expect(session.policies.some((p) => p.startsWith("charm-")), unit).toBe(true);
    }
  }, 600_000);

  it("revokes exactly a departed unit's credentials, and no other unit's", async () => {
    const before = new Map(consumerUnits().map((u) => [u, { ...credentialsOf(u), address: ready.sim.unit(u).address }]));
    const leaving = ["kv-b/1", "kv-a/2"];
    // Each works from its own address until it leaves.
    for (const unit of leaving) expect((await approle.login(from(unit), "approle", before.get(unit)!.roleId, before.get(unit)!.secretId)).token).toBeTruthy();
    for (const unit of leaving) await ready.sim.removeUnit(unit);
    for (const unit of leaving) {
      const { roleId, secretId, address } = before.get(unit)!;
      const sameAddress = new VaultClient({ url: `https://${ready.sim.unit(leader()).address}:8200`, caPem: ready.caPem, localAddress: address });
      await expect(approle.login(sameAddress, "approle", roleId, secretId), unit).rejects.toBeInstanceOf(VaultRequestError);
    }
    expect(await consumerRoles()).toHaveLength(7);
    for (const unit of consumerUnits()) {
      const { roleId, secretId } = before.get(unit)!;
      expect((await approle.login(from(unit), "approle", roleId, secretId)).token, unit).toBeTruthy();
    }
  }, 300_000);

  it("rotates the charm's own AppRole while a standby unit still uses the old revision, then revokes it", async () => {
    const charmSecret = () => Object.values(ready.sim.model.secrets).find((sec) => sec.label === "vault-approle-charm")!;
    const contentOf = (revision: number) =>
      Object.fromEntries(Object.entries(charmSecret().revisions.find((r) => r.revision === revision)!.content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    const observer = ["vault/0", "vault/2"].find((u) => u !== leader())!;
    const loginWith = async (c: Record<string, string>) => {
      const client = new VaultClient({ url: `https://${ready.sim.unit(observer).address}:8200`, caPem: ready.caPem, localAddress: ready.sim.unit(observer).address });
      return approle.login(client, "approle", c["role-id"]!, c["secret-id"]!);
    };
    const before = charmSecret().revisions.at(-1)!.revision;
    expect(charmSecret().tracking[observer]).toBe(before);
    // A busy agent: the observer's secret-changed waits while the leader rotates.
    ready.sim.hold(observer);
    await ready.sim.advance(32 * DAY, false);
    const rotated = charmSecret().revisions.at(-1)!.revision;
    expect(rotated).toBe(before + 1);
    expect(charmSecret().tracking[observer]).toBe(before);
    const old = contentOf(before);
    expect((await loginWith(old)).policies).toContain("juju-vault-charm");
    expect((await loginWith(contentOf(rotated))).policies).toContain("juju-vault-charm");

    await ready.sim.release(observer);
    expect(charmSecret().tracking[observer]).toBe(rotated);
    expect(charmSecret().revisions.map((r) => r.revision)).toEqual([rotated]);
    await expect(loginWith(old)).rejects.toBeInstanceOf(VaultRequestError);
    expect((await loginWith(contentOf(rotated))).policies).toContain("juju-vault-charm");
    for (const unit of ["vault/0", "vault/1", "vault/2"]) expect(ready.sim.unit(unit)).toMatchObject({ errorHook: null, status: { status: "active" } });
  }, 300_000);
});
