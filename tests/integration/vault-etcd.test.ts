// The vault charm on a real 3-member etcd cluster (mutual TLS, RBAC) through the simulator, with the
// etcd_client/v0 provider fixture operating the cluster: the lossless move from file storage, HA with
// one active and two standbys, failover, client-certificate rotation, a member lost and regained, the
// etcd user confined to its prefix, and the relation removed. HashiCorp Vault only: OpenBao has no
// etcd storage backend (the last suite shows the charm says so).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { etcdNames } from "../../src/relations/etcd/identity.js";
import { VaultClient } from "../../src/vault/client.js";
import { kv2 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { createCharmCa } from "../../src/vault/tls.js";
import { startEtcdCluster, type EtcdCluster, type KeyedCertificate } from "../etcd/cluster.js";
import { deployEtcdProvider } from "../etcd/provider.js";
import type { Sim } from "../sim/controller.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const etcdBin = process.env.ETCD_BIN_DIR;
const vault = implementations().find((i) => i.name === "vault")!;
const bao = implementations().find((i) => i.name === "openbao")!;
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function secretContent(sim: Sim, label: string, revision?: number): Record<string, string> {
  const secret = Object.values(sim.model.secrets).find((s) => s.label === label);
  if (!secret) throw new Error(`no secret labelled ${label}`);
  const rev = revision === undefined ? secret.revisions.at(-1)! : secret.revisions.find((r) => r.revision === revision)!;
  return Object.fromEntries(Object.entries(rev.content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
}

function unitClient(ready: ReadyVault, unit: string, token = ready.rootToken): VaultClient {
  return new VaultClient({ url: `https://${ready.sim.unit(unit).address}:8200`, caPem: ready.caPem, token, timeoutMs: 10_000 });
}

async function roles(ready: ReadyVault, units: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const unit of units) {
    try {
      const h = await sys.health(unitClient(ready, unit));
      out[unit] = h.sealed ? "sealed" : h.standby ? "standby" : "active";
    } catch {
      out[unit] = "down";
    }
  }
  return out;
}

describe.skipIf(!etcdBin || !vault.bin)(`vault on etcd${etcdBin && vault.bin ? "" : " (etcd or HashiCorp Vault not installed: skipped)"}`, () => {
  let cluster: EtcdCluster;
  let ready: ReadyVault;
  let identity: KeyedCertificate;
  const units = ["vault/0", "vault/1", "vault/2"];
  const status = (unit: string) => ready.sim.unit(unit).status;
  const names = () => etcdNames({ appName: "vault", modelUuid: ready.sim.model.uuid });
  const etcdKeys = async () => (await cluster.etcdctl(["get", names().prefix, "--prefix", "--keys-only"])).split("\n").filter(Boolean);

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3, binDir: etcdBin! });
    ready = await deployReadyVault(vault.bin!, "vault-etcd-");
  }, 240_000);
  afterAll(async () => {
    await ready?.sim.destroy();
    await cluster?.stop();
  });

  it("moves a unit's file data into etcd when the relation is ready, and loses nothing", async () => {
    await sys.enableKv(ready.root, "charm-before", 2, "written on file storage");
    for (let i = 0; i < 20; i++) await kv2.write(ready.root, "charm-before", `entry-${i}`, { value: `v${i}` });
    const fileData = join(ready.sim.unit("vault/0").dataDir, "var/snap/vault/common/data");
    expect(existsSync(join(fileData, "core"))).toBe(true);

    const etcdApp = await deployEtcdProvider(ready.sim, cluster);
    await ready.sim.integrate("vault:etcd", `${etcdApp}:etcd-client`);

    expect(ready.sim.unit("vault/0").errorHook).toBeNull();
    expect(status("vault/0")).toMatchObject({ status: "active", message: "Unsealed (active)" });
    const config = readFileSync(join(ready.sim.unit("vault/0").dataDir, "var/snap/vault/common/vault.hcl"), "utf8");
    expect(config).toMatch(/storage "etcd" \{/);
    expect(config).toContain(`path       = "${names().prefix}"`);
    for (let i = 0; i < 20; i++) expect((await kv2.read(ready.root, "charm-before", `entry-${i}`))?.data).toEqual({ value: `v${i}` });
    expect(await etcdKeys()).toEqual(expect.arrayContaining([`${names().prefix}core/seal-config`, `${names().prefix}core/keyring`]));
    // The file data is left as it was, and the key files are private.
    expect(existsSync(join(fileData, "core"))).toBe(true);
    const etcdDir = join(ready.sim.unit("vault/0").dataDir, "var/snap/vault/common/etcd");
    for (const file of ["ca.pem", "client.pem", "client.key"]) expect(readFileSync(join(etcdDir, file)).length).toBeGreaterThan(0);
    identity = { certPem: secretContent(ready.sim, "etcd-client-identity").certificate!, keyPem: secretContent(ready.sim, "etcd-client-identity")["private-key"]! };
    // The operator saw what was going on while it happened.
    const statuses = ready.sim.runs.flatMap((run) => run.toolCalls.filter((c) => c.tool === "status-set").map((c) => c.args.join(" ")));
    expect(statuses.some((s) => s.includes(`Moving Vault's data from file storage to etcd (${names().prefix})`)), JSON.stringify(statuses.slice(0, 5))).toBe(true);
    const log = readFileSync(join(ready.sim.paths.logs, "vault-0.log"), "utf8");
    expect(log).toMatch(/moved Vault's data to etcd \(\/vault\/vault-[0-9a-f]{8}\/\) in \d+ ms/);
  }, 120_000);

  it("confines Vault's etcd user to its prefix", async () => {
    expect(await cluster.etcdctl(["get", `${names().prefix}core/seal-config`, "--keys-only"], { identity })).toContain("seal-config");
    await cluster.etcdctl(["put", "/elsewhere/key", "root's"]);
    await expect(cluster.etcdctl(["get", "/elsewhere/key"], { identity })).rejects.toThrow(/permission denied/);
    await expect(cluster.etcdctl(["get", "/vault/", "--prefix", "--keys-only"], { identity })).rejects.toThrow(/permission denied/);
    // Stored encrypted by Vault's barrier. The value as JSON would write it, quotes included: its
    // three bytes alone can turn up in random ciphertext, and did in one run.
    expect(await cluster.etcdctl(["get", names().prefix, "--prefix"])).not.toContain('"v19"');
  });

  it("serves one Vault from three units: one active, two standby", async () => {
    await ready.sim.addUnit("vault", 2);
    for (const unit of units) expect(ready.sim.unit(unit).errorHook, unit).toBeNull();
    expect(units.map((u) => status(u).message).sort()).toEqual(["Unsealed (active)", "Unsealed (standby)", "Unsealed (standby)"]);
    expect(Object.values(await roles(ready, units)).sort()).toEqual(["active", "standby", "standby"]);
    // Any unit answers for the same data (standbys forward to the active one).
    for (const unit of units) expect((await kv2.read(unitClient(ready, unit), "charm-before", "entry-7"))?.data).toEqual({ value: "v7" });
  }, 180_000);

  it("fails over to a standby when the active unit's Vault stops, with every entry kept", async () => {
    const before = await roles(ready, units);
    const activeUnit = units.find((u) => before[u] === "active")!;
    const started = Date.now();
    await ready.sim.crashWorkload(activeUnit);
    let after = before;
    while (Date.now() - started < 60_000) {
      after = await roles(ready, units);
      if (units.some((u) => u !== activeUnit && after[u] === "active")) break;
      await sleep(100);
    }
    const takeover = Date.now() - started;
    console.log(`etcd HA takeover after stopping ${activeUnit}'s Vault: ${takeover} ms`);
    const newActive = units.find((u) => u !== activeUnit && after[u] === "active");
    expect(newActive, JSON.stringify(after)).toBeDefined();
    for (let i = 0; i < 20; i++) expect((await kv2.read(unitClient(ready, newActive!), "charm-before", `entry-${i}`))?.data).toEqual({ value: `v${i}` });
    await kv2.write(unitClient(ready, newActive!), "charm-before", "after-failover", { value: "kept" });
    // The stopped unit comes back on its next hook, unseals itself and joins as a standby.
    await ready.sim.runHook(activeUnit, "update-status");
    expect(status(activeUnit)).toMatchObject({ status: "active", message: "Unsealed (standby)" });
  }, 120_000);

  it("keeps serving with an etcd member down, and the cluster heals when it returns", async () => {
    const down = await cluster.leader();
    await cluster.stopMember(down);
    const now = await roles(ready, units);
    const active = units.find((u) => now[u] === "active")!;
    await kv2.write(unitClient(ready, active), "charm-before", "member-down", { value: "written" });
    expect((await kv2.read(unitClient(ready, active), "charm-before", "entry-3"))?.data).toEqual({ value: "v3" });
    await cluster.startMember(down);
    expect(await cluster.health()).toEqual([true, true, true]);
    for (const unit of units) await ready.sim.runHook(unit, "update-status");
    expect((await kv2.read(unitClient(ready, active), "charm-before", "member-down"))?.data).toEqual({ value: "written" });
  }, 120_000);

  it("rotates its client certificate before expiry with no unit locked out, then drops the old one", async () => {
    const old = identity;
    const expiry = Object.values(ready.sim.model.secrets).find((s) => s.label === "etcd-client-identity")!.revisions.at(-1)!.expireAt!;
    // Due 30 days before the 90-day certificate ends.
    expect(Date.parse(expiry) - Date.now()).toBeGreaterThan(59 * DAY);
    expect(Date.parse(expiry) - Date.now()).toBeLessThan(61 * DAY);
    // A unit whose agent is busy stays on the old certificate for a while: etcd must keep trusting it.
    const slow = units.find((u) => u !== ready.sim.model.apps.vault!.leader)!;
    const slowCert = () => readFileSync(join(ready.sim.unit(slow).dataDir, "var/snap/vault/common/etcd/client.pem"), "utf8");
    ready.sim.hold(slow);
    await ready.sim.advance(61 * DAY);
    const next = secretContent(ready.sim, "etcd-client-identity");
    expect(next.certificate).not.toBe(old.certPem);
    expect(slowCert()).toBe(old.certPem);
    expect(secretContent(ready.sim, "etcd-mtls")["mtls-cert"]).toBe(`${next.certificate!.trim()}\n${old.certPem.trim()}\n`);
    expect(await cluster.probeTls(old)).toEqual({ accepted: true });
    expect(await cluster.probeTls({ certPem: next.certificate!, keyPem: next["private-key"]! })).toEqual({ accepted: true });
    expect((await roles(ready, [slow]))[slow]).toMatch(/^(active|standby)$/);

    await ready.sim.release(slow);
    for (const unit of units) expect(ready.sim.unit(unit).errorHook, unit).toBeNull();
    identity = { certPem: next.certificate!, keyPem: next["private-key"]! };
    // Every unit presents the new certificate; the provider trusts only it now.
    expect(secretContent(ready.sim, "etcd-mtls")["mtls-cert"]!.trim()).toBe(next.certificate!.trim());
    expect(await cluster.probeTls(identity)).toEqual({ accepted: true });
    expect(await cluster.probeTls(old)).toMatchObject({ accepted: false });
    for (const unit of units) {
      const onDisk = readFileSync(join(ready.sim.unit(unit).dataDir, "var/snap/vault/common/etcd/client.pem"), "utf8");
      expect(onDisk, unit).toBe(next.certificate);
    }
    const roleNow = await roles(ready, units);
    const active = units.find((u) => roleNow[u] === "active")!;
    await kv2.write(unitClient(ready, active), "charm-before", "after-rotation", { value: "ok" });
    for (const unit of units) expect((await kv2.read(unitClient(ready, unit), "charm-before", "after-failover"))?.data).toEqual({ value: "kept" });
  }, 180_000);

  it("follows the provider's new CA bundle and endpoints with no operator step", async () => {
    const extraCa = (await createCharmCa("another etcd CA")).certPem;
    await ready.sim.setConfig("etcd", { "extra-ca": extraCa, "advertised-members": "0,1" });
    for (const unit of units) {
      expect(ready.sim.unit(unit).errorHook, unit).toBeNull();
      const common = join(ready.sim.unit(unit).dataDir, "var/snap/vault/common");
      expect(readFileSync(join(common, "etcd/ca.pem"), "utf8"), unit).toContain(extraCa.replace(/\r/g, "").trim().split("\n")[1]);
      const config = readFileSync(join(common, "vault.hcl"), "utf8");
      expect(config, unit).toContain(`address    = "${cluster.endpoints.slice(0, 2).join(",")}"`);
    }
    // Each unit restarted on its own secret-changed, so the active role moved while they did; a
    // unit's status says what it saw in its last hook, and update-status brings them all up to date.
    for (const unit of units) await ready.sim.runHook(unit, "update-status");
    expect(units.map((u) => status(u).message).sort()).toEqual(["Unsealed (active)", "Unsealed (standby)", "Unsealed (standby)"]);
    const now = await roles(ready, units);
    const active = units.find((u) => now[u] === "active")!;
    expect((await kv2.read(unitClient(ready, active), "charm-before", "after-rotation"))?.data).toEqual({ value: "ok" });
    await ready.sim.setConfig("etcd", { "extra-ca": "", "advertised-members": "" });
    for (const unit of units) await ready.sim.runHook(unit, "update-status");
    expect(units.map((u) => status(u).message).sort()).toEqual(["Unsealed (active)", "Unsealed (standby)", "Unsealed (standby)"]);
  }, 180_000);

  it("stops Vault and blocks when the etcd relation is removed, leaving the data in etcd", async () => {
    const keysBefore = await etcdKeys();
    const rel = ready.sim.model.relations.find((r) => r.ends.some((e) => e.endpoint === "etcd"))!;
    await ready.sim.removeRelation(rel.id);
    for (const unit of units) {
      expect(status(unit)).toMatchObject({ status: "blocked", message: `etcd relation removed: Vault's data stays in etcd under ${names().prefix}; integrate etcd again to serve it` });
      expect((await roles(ready, [unit]))[unit]).toBe("down");
    }
    // Only the HA lock and leader-election entries go, released as the Vaults stop; the data stays.
    const after = new Set(await etcdKeys());
    const gone = keysBefore.filter((k) => !after.has(k));
    expect(gone.filter((k) => !/\/core\/(lock|leader)\//.test(k.slice(names().prefix.length - 1)))).toEqual([]);
    expect(after.size).toBeGreaterThan(50);
    await ready.sim.runHook("vault/0", "update-status");
    expect((await roles(ready, ["vault/0"]))["vault/0"]).toBe("down");
  }, 120_000);

  it("serves the same data again when etcd is integrated again, with no hook failed along the way", async () => {
    await ready.sim.integrate("vault:etcd", "etcd:etcd-client");
    expect(units.map((u) => status(u).message).sort()).toEqual(["Unsealed (active)", "Unsealed (standby)", "Unsealed (standby)"]);
    const now = await roles(ready, units);
    const active = units.find((u) => now[u] === "active")!;
    expect((await kv2.read(unitClient(ready, active), "charm-before", "after-rotation"))?.data).toEqual({ value: "ok" });
    // The file data was never moved a second time over what etcd holds.
    const log = readFileSync(join(ready.sim.paths.logs, "vault-0.log"), "utf8");
    expect(log.match(/moved Vault's data to etcd/g)).toHaveLength(1);
    expect(ready.sim.runs.filter((run) => run.exitCode !== 0).map((run) => `${run.unit} ${run.name}`)).toEqual([]);
  }, 120_000);
});

describe.skipIf(!etcdBin || !bao.bin)(`etcd with OpenBao${etcdBin && bao.bin ? "" : " (etcd or OpenBao not installed: skipped)"}`, () => {
  let cluster: EtcdCluster;
  let ready: ReadyVault;
  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 1, binDir: etcdBin! });
    ready = await deployReadyVault(bao.bin!, "bao-etcd-");
  }, 240_000);
  afterAll(async () => {
    await ready?.sim.destroy();
    await cluster?.stop();
  });

  it("says OpenBao cannot store in etcd, and keeps serving from its own storage", async () => {
    const etcdApp = await deployEtcdProvider(ready.sim, cluster);
    await ready.sim.integrate("vault:etcd", `${etcdApp}:etcd-client`);
    expect(ready.sim.unit("vault/0").status).toMatchObject({ status: "blocked", message: "etcd storage needs HashiCorp Vault: OpenBao has no etcd backend (remove the etcd relation)" });
    expect((await sys.health(ready.root)).sealed).toBe(false);
  }, 120_000);
});
