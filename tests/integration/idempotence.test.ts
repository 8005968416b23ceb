// A hook with nothing to change writes nothing to Vault (issue 19; DESIGN.md, reconcile rules),
// proven from Vault's own file audit device. On converged models (a local Vault; three units on
// etcd; an external Vault), each with consumers of both dialects and several units, every hook the
// charm handles runs twice on every vault unit and the second run is measured: its requests by
// kind, and zero writes: nothing but read/list and the lookups Vault routes as update though they
// only read (counted and printed apart); not even a login, renew-self or revoke-self, since each unit
// keeps its token between hooks (src/kept-token.ts).
// The charm's own count (`vault writes: N` in its debug log) must say 0 too.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { charmPolicy } from "../../src/authorization.js";
import { VaultClient, type JsonObject } from "../../src/vault/client.js";
import * as sys from "../../src/vault/sys.js";
import { createCharmCa, issueServerCertificate } from "../../src/vault/tls.js";
import { startEtcdCluster, type EtcdCluster } from "../etcd/cluster.js";
import { deployEtcdProvider } from "../etcd/provider.js";
import { Sim } from "../sim/controller.js";
import { relationEnv } from "../sim/followups.js";
import { secretUri } from "../sim/hooktools/secret-content.js";
import { projectRoot } from "../sim/paths.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { AuditLog, auditStanza, count, declareAuditInWorkloadConfig, enableAuditByApi, report, secondRun, type HookMeasure } from "./idempotence-audit.js";
import { implementations, startServer, type RunningServer } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const etcdBin = process.env.ETCD_BIN_DIR;
const DEBUG = { "log-level": "debug" };

interface PlannedHook {
  unit: string;
  hook: string;
  env: Record<string, string>;
  label: string;
}

/** Every hook the charm handles, on every vault unit, as Juju would address it in this model. */
function hookPlan(sim: Sim): PlannedHook[] {
  const plan: PlannedHook[] = [];
  const units = sim.aliveUnits("vault");
  const leader = sim.model.apps.vault!.leader;
  for (const unit of units) {
    const add = (hook: string, env: Record<string, string> = {}, detail = "") => plan.push({ unit, hook, env, label: detail ? `${hook} (${detail})` : hook });
    add("update-status");
    add("config-changed");
    add("upgrade-charm");
    if (unit === leader) add("leader-elected");
    for (const rel of sim.model.relations.filter((r) => r.ends.some((e) => e.app === "vault"))) {
      const endpoint = rel.ends.find((e) => e.app === "vault")!.endpoint;
      const peer = rel.ends.length === 1;
      const remoteApp = peer ? "vault" : rel.ends.find((e) => e.app !== "vault")!.app;
      const remotes = peer ? units.filter((u) => u !== unit) : sim.aliveUnits(remoteApp);
      for (const remote of remotes) add(`${endpoint}-relation-changed`, relationEnv(rel, "vault", remote, remoteApp), remote);
      add(`${endpoint}-relation-changed`, relationEnv(rel, "vault", null, remoteApp), `app ${remoteApp}`);
    }
    for (const secret of Object.values(sim.model.secrets)) {
      const uri = secretUri(sim.model.uuid, secret.id);
      const owned = secret.ownerKind === "application" && secret.owner === "vault";
      if (!owned && secret.tracking[unit] !== undefined) add("secret-changed", { JUJU_SECRET_ID: uri, JUJU_SECRET_LABEL: secret.consumerLabels[unit] ?? "" }, secret.name ?? secret.label ?? secret.id);
      // A rotation the charm has no new revision for (the CA is never rotated): nothing is due.
      if (owned && unit === leader && secret.label === "vault-ca") add("secret-rotate", { JUJU_SECRET_ID: uri, JUJU_SECRET_LABEL: "vault-ca" }, "vault-ca");
    }
  }
  return plan;
}

async function deployConsumers(sim: Sim): Promise<void> {
  await sim.deploy(CONSUMER, { app: "kv-v0", units: 2, config: { dialect: "v0", "mount-suffix": "a" } });
  await sim.integrate("vault:vault-kv", "kv-v0:vault");
  await sim.deploy(CONSUMER, { app: "kv-legacy", units: 2, config: { dialect: "legacy", backend: "charm-kv-legacy" } });
  await sim.integrate("vault:secrets", "kv-legacy:vault");
  for (const unit of [...sim.aliveUnits("kv-v0"), ...sim.aliveUnits("kv-legacy")]) expect(sim.unit(unit).status.message, unit).toMatch(/^Vault KV round trip ok/);
}

/** Converges (two update-status rounds), then measures every planned hook's second run. */
async function measure(sim: Sim, audit: AuditLog, title: string): Promise<HookMeasure[]> {
  for (let i = 0; i < 2; i++) for (const unit of sim.aliveUnits("vault")) await sim.runHook(unit, "update-status");
  const measures: HookMeasure[] = [];
  for (const step of hookPlan(sim)) measures.push(await secondRun(sim, audit, step.unit, step.hook, step.env, step.label));
  console.log(report(title, measures));
  return measures;
}

function expectWriteFree(measures: HookMeasure[]): void {
  // The audit device saw the hooks at all (a silent log proves nothing).
  expect(measures.reduce((n, m) => n + m.requests.length, 0)).toBeGreaterThan(measures.length);
  for (const m of measures) {
    const where = `${m.unit} ${m.label}`;
    expect(m.ran, where).toEqual([`${m.unit} ${m.label.replace(/ \(.*\)$/, "")}`]);
    expect(m.requests.filter((r) => r.kind === "write" || r.kind === "token").map((r) => `${r.operation} ${r.path}`), where).toEqual([]);
    expect(m.charmWrites, where).toBe(0);
  }
}

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`write-free convergence on a local ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;
    let auditDir: string;
    let audit: AuditLog;

    beforeAll(async () => {
      auditDir = mkdtempSync(join(tmpdir(), "idempotence-audit-"));
      audit = new AuditLog(join(auditDir, "audit.log"));
      const declare = impl.name === "openbao" ? (sim: Sim) => declareAuditInWorkloadConfig(sim, audit.file) : undefined;
      ready = await deployReadyVault(impl.bin!, "idempotence-local-", DEBUG, declare);
      if (impl.name === "vault") await enableAuditByApi(ready.root, audit.file);
      await deployConsumers(ready.sim);
    }, 300_000);
    afterAll(async () => {
      await ready?.sim.destroy();
      if (auditDir) rmSync(auditDir, { recursive: true, force: true });
    });

    it("makes no Vault write in any hook's second run, leader hooks and consumer relations included", async () => {
      const measures = await measure(ready.sim, audit, `local ${impl.name}, 1 vault unit, v0 and legacy consumers of 2 units each`);
      expectWriteFree(measures);
      // Incremental reconcile: a relation-changed whose unit's data did not change asks Vault nothing
      // about its consumers (only the kept token's lookup-self), while update-status still audits
      // them (the two LISTs are reads).
      const v0 = measures.find((m) => m.label.startsWith("vault-kv-relation-changed (kv-v0/"))!;
      expect(v0.requests.map((r) => `${r.operation} ${r.path}`)).toEqual(["read auth/token/lookup-self"]);
      const update = measures.find((m) => m.unit === "vault/0" && m.label === "update-status")!;
      expect(count(update, "read")).toBeGreaterThan(0);
    }, 600_000);
  });
}

const vault = implementations().find((i) => i.name === "vault")!;
describe.skipIf(!etcdBin || !vault.bin)(`write-free convergence on HA Vault on etcd${etcdBin && vault.bin ? "" : " (etcd or HashiCorp Vault not installed: skipped)"}`, () => {
  let cluster: EtcdCluster;
  let ready: ReadyVault;
  let auditDir: string;
  let audit: AuditLog;

  beforeAll(async () => {
    auditDir = mkdtempSync(join(tmpdir(), "idempotence-audit-"));
    audit = new AuditLog(join(auditDir, "audit.log"));
    cluster = await startEtcdCluster({ members: 3, binDir: etcdBin! });
    ready = await deployReadyVault(vault.bin!, "idempotence-etcd-", DEBUG);
    await ready.sim.integrate("vault:etcd", `${await deployEtcdProvider(ready.sim, cluster)}:etcd-client`);
    await ready.sim.addUnit("vault", 2);
    expect(["vault/0", "vault/1", "vault/2"].map((u) => ready.sim.unit(u).status.message).sort()).toEqual(["Unsealed (active)", "Unsealed (standby)", "Unsealed (standby)"]);
    // Stored in Vault's (etcd) storage: whichever unit is active logs to the same file.
    await enableAuditByApi(ready.root, audit.file);
    await deployConsumers(ready.sim);
  }, 420_000);
  afterAll(async () => {
    await ready?.sim.destroy();
    await cluster?.stop();
    if (auditDir) rmSync(auditDir, { recursive: true, force: true });
  });

  it("makes no Vault write in any hook's second run on any of the three units", async () => {
    expectWriteFree(await measure(ready.sim, audit, "HA Vault on etcd, 3 vault units, v0 and legacy consumers of 2 units each"));
  }, 900_000);
});

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`write-free convergence against an external ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let server: RunningServer;
    let sim: Sim;
    let auditDir: string;
    let audit: AuditLog;

    beforeAll(async () => {
      auditDir = mkdtempSync(join(tmpdir(), "idempotence-audit-"));
      audit = new AuditLog(join(auditDir, "audit.log"));
      // As tests/integration/external-vault.test.ts sets it up: the organisation's Vault over TLS.
      const ca = await createCharmCa("external Vault test CA");
      const cert = await issueServerCertificate(ca, { commonName: "127.0.0.1", ipAddresses: ["127.0.0.1"], dnsNames: ["localhost"] });
      server = await startServer(impl, "127.0.0.1", { ...cert, caPem: ca.certPem }, impl.name === "openbao" ? auditStanza(audit.file) : "");
      const anonymous = new VaultClient({ url: server.url, caPem: ca.certPem });
      const init = await sys.initialize(anonymous.withTimeout(120_000), 1, 1);
      await sys.submitUnsealKey(anonymous, init.keys[0]!);
      const root = anonymous.withToken(init.rootToken);
      for (let i = 0; (await sys.health(root)).standby && i < 60; i++) await new Promise((r) => setTimeout(r, 250));
      if (impl.name === "vault") await enableAuditByApi(root, audit.file);
      await sys.enableAuthMethod(root, "approle", "approle");
      await sys.putPolicy(root, "vault-charm", charmPolicy("charm-"));
      const created = await root.request("POST", "auth/token/create", { body: { policies: ["vault-charm"], ttl: "2h", renewable: true } });
      const token = String((created.auth as JsonObject).client_token);

      sim = await Sim.open(mkdtempSync(join(tmpdir(), "idempotence-external-")), { vaultBinary: impl.bin! });
      await sim.deploy(projectRoot(), { app: "vault", config: { ...DEBUG, "vault-url": server.url, "vault-ca-certificate": ca.certPem } });
      const uri = sim.addSecret("vault-auth", { token });
      sim.grantSecret("vault-auth", "vault");
      await sim.setConfig("vault", { "vault-auth": uri });
      expect(sim.unit("vault/0").status).toMatchObject({ status: "active" });
      await deployConsumers(sim);
    }, 300_000);
    afterAll(async () => {
      await sim?.destroy();
      await server?.stop();
      if (auditDir) rmSync(auditDir, { recursive: true, force: true });
    });

    it("makes no write to the external Vault in any hook's second run", async () => {
      expectWriteFree(await measure(sim, audit, `external ${impl.name}, token auth, v0 and legacy consumers of 2 units each`));
    }, 600_000);
  });
}
