// A fleet joining at once (src/relations/vault-kv/awaiting.ts): each of the leader's hooks reads the
// consumer unit Juju says it is about, not every unit that has not written its request yet, so
// provisioning N units costs N unit-bag reads, not N². A unit whose request is refused stays refused,
// and says so in the status, without being read again until its data changes; one that completes its
// request later is served by the relation-changed Juju runs for it. Through the simulator on a real
// server, with a requirer whose bags a test sets.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { projectRoot } from "../sim/paths.js";
import type { HookRun } from "../sim/runner.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const HOSTILE = join(projectRoot(), "tests", "integration", "charms", "hostile-requirer");
const impl = implementations().find((i) => i.bin);
const UNITS = 8;

describe.skipIf(!impl)(`vault-kv while a fleet joins, on ${impl?.name ?? "no server"}`, () => {
  let ready: ReadyVault;
  const address = (unit: string) => ready.sim.unit(unit).address;
  const v0Bag = (unit: string) => ({ nonce: `nonce-${unit.replace("/", "-")}`, egress_subnet: `${address(unit)}/32` });
  const fleet = Array.from({ length: UNITS }, (_, i) => `fleet/${i}`);
  /** The consumer unit bags a vault hook read (relation-get of a fleet unit). */
  const bagsRead = (run: HookRun) => run.toolCalls.filter((c) => c.tool === "relation-get" && /^fleet\/\d+$/.test(c.args.at(-1) ?? "")).map((c) => c.args.at(-1)!);
  const vaultRuns = async (act: () => Promise<unknown>) => {
    const before = ready.sim.runs.length;
    await act();
    return ready.sim.runs.slice(before).filter((r) => r.unit === "vault/0");
  };
  const roles = async () => (await approle.listRoles(ready.root, "approle")).filter((r) => r.includes("fleet"));

  beforeAll(async () => {
    ready = await deployReadyVault(impl!.bin!, "vault-kv-awaiting-");
    await ready.sim.deploy(HOSTILE, { app: "fleet", units: UNITS, config: { "app-bag": JSON.stringify({ mount_suffix: "kv" }) } });
  }, 300_000);
  afterAll(async () => ready?.sim.destroy());

  it("reads each joining unit's bag in its own hooks, not in every hook, while none has asked yet", async () => {
    const runs = await vaultRuns(() => ready.sim.integrate("vault:secrets", "fleet:secrets"));
    const joined = runs.filter((r) => r.name === "secrets-relation-joined");
    expect(joined).toHaveLength(UNITS);
    for (const run of joined) expect(bagsRead(run)).toEqual([run.remoteUnit]);
    // Every unit's bag was read at least once, and no more than its own hooks and the app's ask.
    const reads = runs.flatMap(bagsRead);
    expect(new Set(reads)).toEqual(new Set(fleet));
    expect(reads.length).toBeLessThanOrEqual(3 * UNITS);
    expect(await roles()).toEqual([]);
  });

  it("serves a unit once it asks, and keeps a refused unit refused in the status without reading it again", async () => {
    const bags = { "fleet/2": v0Bag("fleet/2"), "fleet/5": { ...v0Bag("fleet/5"), egress_subnet: "not-a-network" } };
    await vaultRuns(() => ready.sim.setConfig("fleet", { "unit-bags": JSON.stringify(bags) }));
    expect(await roles()).toEqual([expect.stringMatching(/fleet-2$/)]);
    const refused = ready.sim.unit("vault/0").status;
    expect(refused).toMatchObject({ status: "blocked" });
    expect(refused.message).toMatch(/^vault-kv request refused: fleet\/5/);
    // Another unit asks: its hooks read its bag alone, and fleet/5's refusal still shows.
    const runs = await vaultRuns(() => ready.sim.setConfig("fleet", { "unit-bags": JSON.stringify({ ...bags, "fleet/6": v0Bag("fleet/6") }) }));
    const changed = runs.filter((r) => r.name === "secrets-relation-changed" && r.remoteUnit === "fleet/6");
    expect(changed.length).toBeGreaterThan(0);
    for (const run of changed) expect(bagsRead(run)).toEqual(["fleet/6"]);
    expect(await roles()).toEqual(expect.arrayContaining([expect.stringMatching(/fleet-6$/)]));
    expect(ready.sim.unit("vault/0").status).toMatchObject({ status: refused.status, message: refused.message });
  });

  it("a unit that asks while Vault is sealed is served at the update-status after Vault is back", async () => {
    const unsealKey = Object.values(ready.sim.model.secrets).find((secret) => secret.name === "vault-unseal");
    const key = Buffer.from(unsealKey!.revisions.at(-1)!.content.keys!, "base64").toString();
    const configured = String(ready.sim.model.apps.vault!.config["unseal-keys"]);
    await ready.sim.setConfig("vault", {}, ["unseal-keys"]);
    await ready.root.request("PUT", "sys/seal");
    const bags = { "fleet/2": v0Bag("fleet/2"), "fleet/6": v0Bag("fleet/6"), "fleet/7": v0Bag("fleet/7"), "fleet/5": { ...v0Bag("fleet/5"), egress_subnet: "not-a-network" } };
    await ready.sim.setConfig("fleet", { "unit-bags": JSON.stringify(bags) });
    // Unsealed behind the charm's back: the next hook Juju runs is an update-status.
    await ready.root.request("PUT", "sys/unseal", { body: { key } });
    await ready.sim.runHook("vault/0", "update-status");
    expect(await roles()).toEqual(expect.arrayContaining([expect.stringMatching(/fleet-7$/)]));
    await ready.sim.setConfig("vault", { "unseal-keys": configured });
  });

  it("serves the refused unit once it corrects its request, and every unit once they all ask", async () => {
    await ready.sim.setConfig("fleet", { "unit-bags": JSON.stringify(Object.fromEntries(fleet.map((u) => [u, v0Bag(u)]))) });
    expect((await roles()).length).toBe(UNITS);
    expect(ready.sim.unit("vault/0").status).toMatchObject({ status: "active", message: "Unsealed (active)" });
  });
});
