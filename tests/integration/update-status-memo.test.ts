// What a converged update-status asks Juju (src/hook-memo.ts): leadership alone, whatever the number
// of consumers (the peer app bag, with the leader's ledgers, as the last clean hook left it:
// src/relations/peers.ts), because Juju runs update-status only when no other hook is
// pending (juju/juju internal/worker/uniter/resolver.go: "UpdateStatus hook runs if nothing
// else needs to"; config-changed first for config and address changes, relation hooks first for
// relation changes, nothing while a hook has failed). And where the memo must not be trusted:
// after a hook that did not end cleanly, after an hour, and for consumers the last hook did not
// serve. A hook about one consumer relation takes the others as the last hook left them, on the same
// terms. Through the simulator on a real server.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import * as sys from "../../src/vault/sys.js";
import { projectRoot } from "../sim/paths.js";
import type { HookRun } from "../sim/runner.js";
import { clientFrom, deployReadyVault, jsonValue, runHookKilledAtCall, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const HOSTILE = join(projectRoot(), "tests", "integration", "charms", "hostile-requirer");
const impl = implementations().find((i) => i.name === "vault" && i.bin) ?? implementations().find((i) => i.bin);

describe.skipIf(!impl)(`update-status and the last hook's findings on ${impl?.name ?? "no server"}`, () => {
  let ready: ReadyVault;
  const vaultUnit = () => ready.sim.unit("vault/0");
  const memoFile = () => join(vaultUnit().dataDir, "var/lib/vault-charm/hook-memo.json");
  const address = (unit: string) => ready.sim.unit(unit).address;
  const v0Unit = (unit: string) => ({ nonce: `nonce-${unit.replace("/", "-")}`, egress_subnet: `${address(unit)}/32` });

  async function consumer(app: string, units: number, appBag: Record<string, string> = { mount_suffix: "kv" }): Promise<void> {
    await ready.sim.deploy(HOSTILE, { app, units, config: { "app-bag": JSON.stringify(appBag) } });
    const bags = Object.fromEntries(Array.from({ length: units }, (_, i) => [`${app}/${i}`, v0Unit(`${app}/${i}`)]));
    await ready.sim.setConfig(app, { "unit-bags": JSON.stringify(bags) });
    await ready.sim.integrate("vault:secrets", `${app}:secrets`);
  }

  async function updateStatus(): Promise<HookRun> {
    const before = ready.sim.runs.length;
    await ready.sim.runHook("vault/0", "update-status");
    return ready.sim.runs.slice(before).find((r) => r.unit === "vault/0" && r.name === "update-status")!;
  }
  const tools = (run: HookRun) => run.toolCalls.map((c) => c.tool);
  /** The snap and systemctl commands (the simulator's shims log them) that `act` made the unit run. */
  async function machineCommands<T>(act: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
    const log = () => readFileSync(join(vaultUnit().dataDir, "shim-calls.log"), "utf8").split("\n").filter(Boolean);
    const from = log().length;
    const result = await act();
    return { result, commands: log().slice(from) };
  }
  const roles = async () => (await approle.listRoles(ready.root, "approle")).filter((r) => r.startsWith("charm-"));

  beforeAll(async () => {
    ready = await deployReadyVault(impl!.bin!, "update-status-memo-");
    await consumer("fleet-a", 2);
    await consumer("fleet-b", 1);
    // Leaves no work behind (deferred removals, the hour's stray look) for the runs measured below.
    await updateStatus();
  }, 300_000);
  afterAll(async () => ready?.sim.destroy());

  const keptBagFile = () => join(vaultUnit().dataDir, "var/lib/vault-charm/peer-app-bag.json");
  const peerRelation = () => ready.sim.model.relations.find((r) => r.ends.every((e) => e.app === "vault"))!;
  /** The peer app bag the unit keeps is Juju's, for the peer relation. */
  function expectKeptBagCurrent(): void {
    expect(statSync(keptBagFile()).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(keptBagFile(), "utf8"))).toEqual({ relationId: peerRelation().id, bag: peerRelation().appData.vault ?? {} });
  }

  it("a converged update-status asks Juju for leadership only, and keeps the status", async () => {
    const run = await updateStatus();
    expect(run.exitCode).toBe(0);
    expect(tools(run)).toEqual(["is-leader"]);
    expectKeptBagCurrent();
    expect(vaultUnit().status).toMatchObject({ status: "active", message: "Unsealed (active)" });
    expect(ready.sim.model.apps.vault!.status).toMatchObject({ status: "active", message: "Unsealed (active)" });
  });

  it("a converged update-status, on the charm's pinned runtime, loads neither node:child_process nor node:net", async () => {
    // Node's own list of what the hook process loaded, written at its exit (src/native-io.ts).
    const preload = join(ready.sim.paths.dir, "loaded-modules.cjs");
    const list = join(ready.sim.paths.dir, "loaded-modules.txt");
    writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")));\n`);
    const before = ready.sim.runs.length;
    await ready.sim.runHook("vault/0", "update-status", { NODE_OPTIONS: `--require ${preload}` });
    const run = ready.sim.runs.slice(before).find((r) => r.name === "update-status")!;
    expect([run.exitCode, tools(run)]).toEqual([0, ["is-leader"]]);
    const loaded = readFileSync(list, "utf8").split("\n");
    // The hook tool ran and Vault was asked (the drift audit's LISTs) through the bindings...
    expect(loaded).toEqual(expect.arrayContaining(["Internal Binding spawn_sync", "Internal Binding pipe_wrap"]));
    // ...and none of what the modules built on them bring came in.
    for (const module of ["child_process", "net", "stream", "dgram", "http", "https", "worker_threads"]) expect(loaded, module).not.toContain(`NativeModule ${module}`);
  });

  it("asks neither systemd nor snapd while Vault answers on its socket; a Vault stopped by hand is started again", async () => {
    const converged = await machineCommands(updateStatus);
    expect(converged.commands).toEqual([]);
    execFileSync(join(ready.sim.paths.shims, "systemctl"), ["stop", "vault"], { env: { ...process.env, VAULT_CHARM_SIM_ROOT: vaultUnit().dataDir } });
    const restarted = await machineCommands(updateStatus);
    expect(restarted.result.exitCode).toBe(0);
    // Asked again after the start, to tell a Vault that failed to start.
    expect(restarted.commands.filter((c) => c.startsWith("systemctl"))).toEqual(["systemctl is-active --quiet vault", "systemctl start vault", "systemctl is-active --quiet vault"]);
    await ready.sim.settle();
    expect(vaultUnit().status).toMatchObject({ status: "active", message: "Unsealed (active)" });
    expect((await machineCommands(updateStatus)).commands).toEqual([]);
  });

  it("takes the config as config-changed left it, and reads it again when the memo is not trusted", async () => {
    await ready.sim.setConfig("vault", { "default-lease-ttl": "2h" });
    expect(ready.sim.runs.at(-1)!.name).toBe("config-changed");
    const memo = JSON.parse(readFileSync(memoFile(), "utf8")) as { config: Record<string, unknown> };
    expect(memo.config["default-lease-ttl"]).toBe("2h");
    const hcl = () => readFileSync(join(vaultUnit().dataDir, "var/snap/vault/common/vault.hcl"), "utf8");
    expect(hcl()).toContain('default_lease_ttl = "2h"');
    const { result: run, commands } = await machineCommands(updateStatus);
    expect(tools(run)).toEqual(["is-leader"]);
    // The new config is in force without config-get: Vault's file keeps the new lease TTL, and
    // Vault was not restarted for an older one.
    expect(hcl()).toContain('default_lease_ttl = "2h"');
    expect(commands).toEqual([]);
    await ready.sim.setConfig("vault", {}, ["default-lease-ttl"]);
    await runHookKilledAtCall(ready, "vault/0", "update-status", 1);
    await ready.sim.resolve("vault/0");
    const retried = ready.sim.runs.filter((r) => r.unit === "vault/0" && r.name === "update-status").at(-1)!;
    expect(tools(retried)).toContain("config-get");
    expect(tools(await updateStatus())).toEqual(["is-leader"]);
  });

  it("drift in Vault is still found: a role deleted by hand is restored, reading that relation alone", async () => {
    const role = (await roles()).find((r) => r.includes("fleet-b"))!;
    await approle.deleteRole(ready.root, "approle", role);
    const run = await updateStatus();
    expect(await roles()).toContain(role);
    const read = run.toolCalls.filter((c) => c.tool === "relation-list").map((c) => c.args.join(" "));
    expect(read.length).toBeGreaterThan(0);
    const fleetB = ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "fleet-b"))!.id;
    expect(read.every((args) => args.includes(`-r ${fleetB}`))).toBe(true);
    expect(tools(await updateStatus())).toEqual(["is-leader"]);
  });

  it("a refused consumer's verdict stays in status while update-status reads nothing of it", async () => {
    await consumer("rogue", 1, { mount_suffix: "../../sys" });
    const refused = vaultUnit().status;
    expect(refused).toMatchObject({ status: "blocked" });
    expect(refused.message).toMatch(/^vault-kv request refused: rogue/);
    const run = await updateStatus();
    expect(tools(run)).toEqual(["is-leader"]);
    expect(vaultUnit().status).toEqual(refused);
    await ready.sim.removeRelation(ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "rogue"))!.id);
    expect(vaultUnit().status.message).toBe("Unsealed (active)");
  });

  it("a legacy unit awaiting its first login is checked from this unit's own bag, and recorded once it logs in", async () => {
    const unit = "old/0";
    await ready.sim.deploy(HOSTILE, { app: "old", units: 1 });
    const legacyBag = { secret_backend: JSON.stringify("charm-old"), access_address: JSON.stringify(address(unit)), hostname: JSON.stringify("old-0"), isolated: "true" };
    await ready.sim.setConfig("old", { "unit-bags": JSON.stringify({ [unit]: legacyBag }) });
    await ready.sim.integrate("vault:secrets", "old:secrets");
    const relationOf = () => ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "old"))!;
    const relation = relationOf();
    const bag = () => relationOf().unitData["vault/0"]!;
    const token = jsonValue(bag(), `${unit}_token`);
    // Not logged in yet: each update-status looks (two such units a run, in turn), reading only
    // this unit's own bag on that relation, where the token it published is.
    const waiting = await updateStatus();
    expect(tools(waiting)).toEqual(["is-leader", "relation-get"]);
    expect(waiting.toolCalls[1]!.args.join(" ")).toBe(`--format=json -r ${relation.id} - vault/0`);
    const secretId = String((await sys.unwrap(clientFrom(ready, unit), token)).secret_id);
    await approle.login(clientFrom(ready, unit), "approle", jsonValue(bag(), `${unit}_role_id`), secretId);
    // Seen in use: recorded in the ledger (a peer relation-set), and not looked for again.
    const seen = await updateStatus();
    expect(tools(seen)).toEqual(["is-leader", "relation-get", "relation-set"]);
    // What this update-status wrote to the peer app bag is what the next one takes as given.
    expectKeptBagCurrent();
    expect(JSON.parse(peerRelation().appData.vault!["vault-kv-consumers"] ?? "{}")).toMatchObject({ [`${relation.id}:${unit}`]: { confirmed: true } });
    expect(tools(await updateStatus())).toEqual(["is-leader"]);
    expect(jsonValue(bag(), `${unit}_token`)).toBe(token);
    await ready.sim.removeRelation(relation.id);
  });

  /** Relation ids a hook named to Juju (`-r <id>`), apart from the peer relation's. */
  const relationsRead = (run: HookRun) => {
    const peer = ready.sim.model.relations.find((r) => r.ends.every((e) => e.app === "vault"))!.id;
    return new Set(run.toolCalls.flatMap((c) => c.args.flatMap((arg, i) => (c.args[i - 1] === "-r" ? [Number(arg)] : []))).filter((id) => id !== peer));
  };
  const relationOfApp = (app: string) => ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === app))!.id;
  /** fleet-a/0 writes one more key: Juju runs relation-changed for it on the vault unit. */
  async function fleetAChanges(extra: string): Promise<HookRun[]> {
    const bags = { "fleet-a/0": { ...v0Unit("fleet-a/0"), extra }, "fleet-a/1": v0Unit("fleet-a/1") };
    const before = ready.sim.runs.length;
    await ready.sim.setConfig("fleet-a", { "unit-bags": JSON.stringify(bags) });
    const runs = ready.sim.runs.slice(before).filter((r) => r.unit === "vault/0" && r.name === "secrets-relation-changed");
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run.exitCode).toBe(0);
    return runs;
  }

  it("a hook about one consumer relation reads that relation alone, and another's refusal stays in the status", async () => {
    await consumer("squatter", 1, { mount_suffix: "../../sys" });
    const refused = vaultUnit().status;
    expect(refused.message).toMatch(/^vault-kv request refused: squatter/);
    for (const run of await fleetAChanges("1")) expect(relationsRead(run)).toEqual(new Set([relationOfApp("fleet-a")]));
    expect(vaultUnit().status).toMatchObject({ status: refused.status, message: refused.message });
    expect(await roles()).toEqual(expect.arrayContaining([expect.stringMatching(/fleet-a-0$/), expect.stringMatching(/fleet-b-0$/)]));
    await ready.sim.removeRelation(relationOfApp("squatter"));
    expect(vaultUnit().status.message).toBe("Unsealed (active)");
  });

  it("after a hook that did not end cleanly, a hook about one consumer relation reads every relation", async () => {
    // Juju is told to go on without running the killed hook again (juju resolved --no-retry).
    await runHookKilledAtCall(ready, "vault/0", "update-status", 1);
    await ready.sim.resolve("vault/0", false);
    const [first] = await fleetAChanges("2");
    expect(relationsRead(first!)).toEqual(new Set([relationOfApp("fleet-a"), relationOfApp("fleet-b")]));
    for (const run of await fleetAChanges("3")) expect(relationsRead(run)).toEqual(new Set([relationOfApp("fleet-a")]));
  });

  it("after a hook that did not end cleanly, update-status looks at everything again", async () => {
    await runHookKilledAtCall(ready, "vault/0", "update-status", 1);
    expect(vaultUnit().errorHook).toBe("update-status");
    const before = ready.sim.runs.length;
    await ready.sim.resolve("vault/0"); // Juju runs the failed update-status again
    const retried = ready.sim.runs.slice(before).find((r) => r.unit === "vault/0" && r.name === "update-status")!;
    expect(tools(retried)).toEqual(expect.arrayContaining(["relation-ids", "network-get", "secret-get", "relation-get", "relation-list", "status-set"]));
    expect(tools(await updateStatus())).toEqual(["is-leader"]);
  });

  it("the kept peer app bag is read from Juju again when it is gone, unreadable or of another relation", async () => {
    for (const spoil of [() => rmSync(keptBagFile()), () => writeFileSync(keptBagFile(), "{"), () => writeFileSync(keptBagFile(), JSON.stringify({ relationId: peerRelation().id + 1000, bag: {} }))]) {
      spoil();
      const run = await updateStatus();
      expect(tools(run)).toEqual(["is-leader", "relation-get"]);
      expect(run.toolCalls[1]!.args).toEqual(["--format=json", "-r", String(peerRelation().id), "--app", "-", "vault"]);
      expectKeptBagCurrent();
      expect(tools(await updateStatus())).toEqual(["is-leader"]);
    }
  });

  it("what the last hook found is trusted for an hour at most", async () => {
    const memo = JSON.parse(readFileSync(memoFile(), "utf8")) as { at: number };
    writeFileSync(memoFile(), JSON.stringify({ ...memo, at: Date.now() - 61 * 60 * 1000 }));
    const { result: full, commands } = await machineCommands(updateStatus);
    expect(tools(full)).toEqual(expect.arrayContaining(["config-get", "relation-ids", "network-get", "secret-get", "relation-list", "status-set"]));
    // snapd's auto-refresh changes the snap's revision behind the charm's back: seen within the hour.
    expect(commands).toContain("snap list vault");
    expect(tools(await updateStatus())).toEqual(["is-leader"]);
  });

  it("a consumer unit that left while Vault was sealed loses its role at the update-status after Vault is back", async () => {
    const unsealKey = Object.values(ready.sim.model.secrets).find((s) => s.name === "vault-unseal");
    const key = unsealKey ? Buffer.from(unsealKey.revisions.at(-1)!.content.keys!, "base64").toString() : "";
    expect(key).not.toBe("");
    const configured = String(ready.sim.model.apps.vault!.config["unseal-keys"]);
    const leaving = (await roles()).find((r) => r.endsWith("fleet-a-1"))!;
    expect(leaving).toBeDefined();
    await ready.sim.setConfig("vault", {}, ["unseal-keys"]);
    await ready.root.request("PUT", "sys/seal");
    await ready.sim.removeUnit("fleet-a/1");
    expect(vaultUnit().status.message).toMatch(/sealed/);
    expect(await approle.readRole(ready.root, "approle", leaving).catch(() => "sealed")).toBe("sealed");
    // Unsealed behind the charm's back: the next hook Juju runs is an update-status.
    await ready.root.request("PUT", "sys/unseal", { body: { key } });
    const run = await updateStatus();
    expect(run.exitCode).toBe(0);
    expect(await roles()).not.toContain(leaving);
    expect(await roles()).toEqual(expect.arrayContaining([expect.stringMatching(/fleet-a-0$/)]));
    await ready.sim.setConfig("vault", { "unseal-keys": configured });
    expect(vaultUnit().status.message).toBe("Unsealed (active)");
  });
});
