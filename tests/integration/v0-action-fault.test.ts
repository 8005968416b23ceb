// A v0 consumer unit first served by an action that then fails. An action reports its failure with
// action-fail and exits 0, so Juju commits what it wrote: the unit's new credentials secret, though
// the ledger naming it was never written (and, since the provider's app bag waits for the ledger,
// no credentials map names it either). The next hook that serves the unit finds its label taken;
// it used to fail there on every retry (secret-add: label already exists), and now takes that
// secret as the unit's. Through the simulator on a real server, with Vault SIGKILLed mid-action.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRoles, listSecretIdAccessors } from "../../src/vault/approle.js";
import { sealStatus } from "../../src/vault/sys.js";
import { projectRoot } from "../sim/paths.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const impl = implementations().find((i) => i.name === "vault" && i.bin) ?? implementations().find((i) => i.bin);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!impl)(`a v0 unit's first credentials in an action that fails on ${impl?.name ?? "no server"}`, () => {
  let ready: ReadyVault;
  let stopPump: () => void = () => undefined;
  const statusOf = (unit: string) => `${ready.sim.unit(unit).status.status} ${ready.sim.unit(unit).status.message}`;
  const dataDir = () => ready.sim.unit("vault/0").dataDir;

  beforeAll(async () => {
    ready = await deployReadyVault(impl!.bin!, "v0-action-fault-");
    stopPump = ready.sim.runJujuExecPromptly(50);
    // kva's relation is served before kvb's: a fault after kva/1's issue fails the action at kvb.
    await ready.sim.deploy(CONSUMER, { app: "kva", config: { dialect: "v0" } });
    await ready.sim.integrate("vault:vault-kv", "kva:vault");
    await ready.sim.deploy(CONSUMER, { app: "kvb", config: { dialect: "v0" } });
    await ready.sim.integrate("vault:vault-kv", "kvb:vault");
    for (const unit of ["kva/0", "kvb/0"]) expect(statusOf(unit), unit).toMatch(/^active Vault KV round trip ok/);
  }, 300_000);
  afterAll(async () => {
    stopPump();
    await ready?.sim.destroy();
  });

  it("the next hook takes the secret the failed action added as the unit's, and the unit is served", async () => {
    const unsealSecret = Object.values(ready.sim.model.secrets).find((s) => s.name === "vault-unseal")!;
    const key = Buffer.from(unsealSecret.revisions.at(-1)!.content.keys!, "base64").toString();
    const configured = String(ready.sim.model.apps.vault!.config["unseal-keys"]);
    // kva/1 joins while Vault is sealed and nothing can unseal it: its hooks cannot serve it.
    await ready.sim.setConfig("vault", {}, ["unseal-keys"]);
    await ready.root.request("PUT", "sys/seal");
    await ready.sim.addUnit("kva");
    expect(statusOf("vault/0")).toMatch(/sealed/);
    await ready.root.request("PUT", "sys/unseal", { body: { key } });

    // refresh-secrets serves kva/0 and kva/1; Vault dies right after kva/1's credentials are issued.
    let faulted = false;
    ready.sim.observeToolCalls((caller, _name, _calls, last) => {
      if (caller !== "vault/0" || faulted || last.tool !== "juju-log" || !last.args.join(" ").includes("issued credentials for kva/1 ")) return;
      faulted = true;
      process.kill(Number(readFileSync(join(dataDir(), "run", "vault.pid"), "utf8")), "SIGKILL");
    });
    try {
      await ready.sim.runAction("vault/0", "refresh-secrets", {});
    } finally {
      ready.sim.observeToolCalls(null);
    }
    expect(faulted).toBe(true);
    expect(Object.values(ready.sim.model.actions).at(-1)!.status).toBe("failed");
    // Committed, since the action exited 0: kva/1's secret, which no credentials map names.
    const labelled = () => Object.values(ready.sim.model.secrets).filter((s) => s.label === "vault-kv-kva-1");
    expect(labelled()).toHaveLength(1);
    const orphan = labelled()[0]!.id;
    const kvaBag = () => ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "kva"))!.appData.vault ?? {};
    expect(JSON.stringify(kvaBag())).not.toContain(orphan.split("/").at(-1)!);

    // The operator puts unseal-keys back: Vault (restarted by systemd) unseals, every consumer is served.
    for (let i = 0; i < 100 && !(await sealStatus(ready.root).then(() => true, () => false)); i++) await sleep(100);
    await ready.sim.setConfig("vault", { "unseal-keys": configured });
    await ready.sim.settle();
    for (const unit of Object.values(ready.sim.model.units)) expect(unit.errorHook, unit.name).toBeNull();
    expect(statusOf("vault/0")).toBe("active Unsealed (active)");
    expect(labelled().map((s) => s.id)).toEqual([orphan]);
    expect(JSON.stringify(kvaBag())).toContain(orphan.split("/").at(-1)!);
    for (const unit of ["kva/0", "kva/1", "kvb/0"]) await ready.sim.runHook(unit, "update-status");
    for (const unit of ["kva/0", "kva/1", "kvb/0"]) expect(statusOf(unit), unit).toMatch(/^active Vault KV round trip ok/);
    const kva1 = (await listRoles(ready.root, "approle")).find((r) => r.endsWith("kva-1"))!;
    expect(await listSecretIdAccessors(ready.root, "approle", kva1)).toHaveLength(1);
  }, 240_000);
});
