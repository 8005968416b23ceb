// The fault-injection suite (issue 16): bounded, seeded, reproducible. One vault unit on a real
// server, a v0 and a legacy consumer (the example charm), and a seeded sequence of operator steps
// (consumer units added and removed, in both dialects; authorize-charm; refresh-secrets; a month
// passing, which rotates the charm's own credentials), each with one fault:
//   - the vault unit's hook or action SIGKILLed at its Nth hook-tool call (N seeded, within the
//     calls that step made unfaulted),
//   - Vault SIGKILLed, SIGSTOPped (1.5 s) or sealed, before the step or at that Nth call.
// Then what an operator does (`juju resolve` of a failed hook, retried) and the model runs on; the
// machine's own juju-exec trigger runs as on a real unit. After each fault, invariants are checked
// against Vault (root token) and the model: no orphaned or duplicate role, secret-id, policy, mount
// or Juju secret; no charm token alive but the one the unit keeps between hooks; every unit active.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as approle from "../../src/vault/approle.js";
import type { VaultClient } from "../../src/vault/client.js";
import * as sys from "../../src/vault/sys.js";
import { legacyRoleName, v0MountName, v0RoleName } from "../../src/relations/vault-kv/naming.js";
import type { Sim } from "../sim/controller.js";
import { projectRoot } from "../sim/paths.js";
import { seeded } from "../sim/seeded.js";
import { charmTokenAccessors, type ReadyVault } from "../integration/fixtures.js";
import { signal } from "./processes.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const V0 = "kvc";
const LEGACY = "kvl";
const LEGACY_BACKEND = "charm-kvl";
const CHARM_ROLE = "juju-vault-charm";
const MAX_CONSUMER_UNITS = 2;

export type StepKind = "provision-v0" | "provision-legacy" | "authorize-charm" | "refresh-secrets" | "month-passes";
export type FaultKind = "kill-hook" | "kill-vault-during" | "stop-vault-during" | "seal-during" | "kill-vault-before" | "stop-vault-before" | "seal-before";
const STEPS: StepKind[] = ["provision-v0", "provision-legacy", "authorize-charm", "refresh-secrets", "month-passes"];
const FAULTS: FaultKind[] = ["kill-hook", "kill-hook", "kill-hook", "kill-vault-during", "stop-vault-during", "seal-during", "kill-vault-before", "stop-vault-before", "seal-before"];

export interface SuiteResult {
  faultsInjected: number;
  faultsPlanned: number;
  invariantsChecked: number;
  violations: string[];
  byFault: Record<string, number>;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

function vaultPid(sim: Sim): number {
  const file = join(sim.unit("vault/0").dataDir, "run", "vault.pid");
  return existsSync(file) ? Number(readFileSync(file, "utf8")) : 0;
}

/** Counts one invariant check; a violation is kept and logged with what was found. */
export function countInvariant(result: SuiteResult, log: (line: string) => void, label: string, what: string, ok: boolean, detail: () => string): void {
  result.invariantsChecked++;
  if (ok) return;
  const violation = `${label}: ${what}: ${detail()}`;
  result.violations.push(violation);
  log(`  violation: ${violation}`);
}

export class FaultSuite {
  private readonly next: () => number;
  private tokenUri = "";
  private readonly calibration = new Map<StepKind, number>();
  readonly result: SuiteResult = { faultsInjected: 0, faultsPlanned: 0, invariantsChecked: 0, violations: [], byFault: {} };

  constructor(
    private readonly ready: ReadyVault,
    seed: number,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.next = seeded(seed);
  }

  private get sim(): Sim {
    return this.ready.sim;
  }

  private get root(): VaultClient {
    return this.ready.root;
  }

  async setUp(): Promise<void> {
    const sim = this.sim;
    this.tokenUri = sim.addSecret("fault-token", { token: this.ready.rootToken });
    sim.grantSecret("fault-token", "vault");
    await sim.deploy(CONSUMER, { app: V0 });
    await sim.deploy(CONSUMER, { app: LEGACY, config: { dialect: "legacy", backend: LEGACY_BACKEND } });
    await sim.integrate("vault:vault-kv", `${V0}:vault`);
    await sim.integrate("vault:secrets", `${LEGACY}:vault`);
    // The dispatch runs under a tiny shell that notes its pid, so a fault can SIGKILL the hook itself.
    sim.hookWrapper = ["sh", "-c", 'echo $$ > "$VAULT_CHARM_SIM_ROOT/hook.pid"; exec "$@"', "hook"];
    for (const step of STEPS) this.calibration.set(step, await this.countCalls(step));
    this.log(`calibrated tool calls per step: ${JSON.stringify(Object.fromEntries(this.calibration))}`);
    await this.check("after set-up");
  }

  /** Tool calls vault/0 makes during one unfaulted step. */
  private async countCalls(step: StepKind): Promise<number> {
    let calls = 0;
    this.sim.observeToolCalls((unit) => {
      if (unit === "vault/0") calls++;
    });
    try {
      await this.runStep(step);
    } finally {
      this.sim.observeToolCalls(null);
    }
    await this.recover();
    return Math.max(calls, 1);
  }

  private async runStep(step: StepKind): Promise<void> {
    const sim = this.sim;
    switch (step) {
      case "provision-v0":
      case "provision-legacy": {
        const app = step === "provision-v0" ? V0 : LEGACY;
        const units = sim.aliveUnits(app);
        if (units.length < MAX_CONSUMER_UNITS) await sim.addUnit(app, 1);
        else await sim.removeUnit(units.at(-1)!);
        return;
      }
      case "authorize-charm":
        await sim.runAction("vault/0", "authorize-charm", { "secret-id": this.tokenUri });
        return;
      case "refresh-secrets":
        await sim.runAction("vault/0", "refresh-secrets", {});
        return;
      case "month-passes":
        await sim.advance(32 * 24 * 3600 * 1000);
        return;
    }
  }

  /** One step with one fault, the recovery, and the invariants. */
  async runOne(index: number): Promise<void> {
    const step = pick(this.next, STEPS);
    const fault = pick(this.next, FAULTS);
    const at = 1 + Math.floor(this.next() * (this.calibration.get(step) ?? 1));
    const label = `#${index} ${step} + ${fault}${fault.endsWith("before") ? "" : ` at call ${at}`}`;
    this.result.faultsPlanned++;
    let injected = false;
    const inject = (): void => {
      injected = true;
      switch (fault) {
        case "kill-hook":
          signal(Number(readFileSync(join(this.sim.unit("vault/0").dataDir, "hook.pid"), "utf8")), "SIGKILL");
          return;
        case "kill-vault-during":
        case "kill-vault-before":
          signal(vaultPid(this.sim), "SIGKILL");
          return;
        case "stop-vault-during":
        case "stop-vault-before": {
          const pid = vaultPid(this.sim);
          if (signal(pid, "SIGSTOP")) setTimeout(() => signal(pid, "SIGCONT"), 1500);
          return;
        }
        case "seal-during":
        case "seal-before":
          void this.root.request("PUT", "sys/seal").catch(() => undefined);
          return;
      }
    };
    if (fault.endsWith("before")) {
      inject();
      if (fault === "seal-before") await sleep(300);
    } else {
      let calls = 0;
      this.sim.observeToolCalls((unit) => {
        if (unit === "vault/0" && ++calls === at) inject();
      });
    }
    try {
      await this.runStep(step);
    } finally {
      this.sim.observeToolCalls(null);
    }
    if (injected) {
      this.result.faultsInjected++;
      this.result.byFault[fault] = (this.result.byFault[fault] ?? 0) + 1;
    }
    await this.recover();
    await this.check(label + (injected ? "" : " (step ended before the fault point)"));
  }

  /** What an operator does after a fault: resolve failed hooks (retrying them) until the model is quiet. */
  async recover(): Promise<void> {
    const sim = this.sim;
    for (let round = 0; round < 10; round++) {
      await this.untilVaultAnswers();
      await sim.settle();
      const failed = Object.values(sim.model.units).filter((u) => u.life === "alive" && u.errorHook);
      for (const unit of failed) await sim.resolve(unit.name);
      if (failed.length === 0) break;
    }
    // Every unit's next update-status, as Juju would run it within minutes.
    for (const unit of Object.keys(sim.model.units)) if (sim.model.units[unit]!.life === "alive") await sim.runHook(unit, "update-status");
    for (const unit of Object.keys(sim.model.units)) if (sim.model.units[unit]!.life === "alive" && sim.model.units[unit]!.errorHook) await sim.resolve(unit);
    await sim.settle();
  }

  /** After a kill -9 or a SIGSTOP, Vault answers again within seconds (systemd restart, SIGCONT). */
  private async untilVaultAnswers(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (await sys.sealStatus(this.root).then(() => true, () => false)) return;
      await sleep(100);
    }
  }

  private expect(label: string, what: string, ok: boolean, detail: () => string): void {
    countInvariant(this.result, this.log, label, what, ok, detail);
  }

  /** The invariants, against Vault with a root token and against the model. */
  async check(label: string): Promise<void> {
    const sim = this.sim;
    const v0Units = sim.aliveUnits(V0);
    const legacyUnits = sim.aliveUnits(LEGACY);
    const mount = v0MountName(V0, "demo", "charm-");
    const consumerRoles = [...v0Units.map((u) => v0RoleName(mount, u, "charm-")), ...legacyUnits.map((u) => legacyRoleName(u, "charm-"))].sort();

    for (const unit of Object.values(sim.model.units).filter((u) => u.life === "alive")) {
      this.expect(label, `${unit.name} not in error`, unit.errorHook === null, () => `hook ${unit.errorHook} failed`);
      const wanted = unit.app === "vault" ? /^Unsealed \(active\)$/ : /^Vault KV round trip ok/;
      this.expect(label, `${unit.name} active`, unit.status.status === "active" && wanted.test(unit.status.message), () => `${unit.status.status} "${unit.status.message}"`);
    }
    const roles = (await approle.listRoles(this.root, "approle")).sort();
    this.expect(label, "AppRoles are the charm's and one per consumer unit", JSON.stringify(roles) === JSON.stringify([...consumerRoles, CHARM_ROLE].sort()), () => JSON.stringify(roles));
    const policies = (await sys.listPolicies(this.root)).filter((p) => p.startsWith("charm-")).sort();
    this.expect(label, "policies are one per consumer unit", JSON.stringify(policies) === JSON.stringify(consumerRoles), () => JSON.stringify(policies));
    const mounts = Object.keys(await sys.listMounts(this.root)).map((m) => m.replace(/\/$/, "")).filter((m) => m.startsWith("charm-")).sort();
    // Mounts are kept when their consumers leave (the data stays); each dialect keeps one unit here.
    const expectedMounts = [mount, LEGACY_BACKEND].sort();
    this.expect(label, "mounts are the two consumers' and no other", JSON.stringify(mounts) === JSON.stringify(expectedMounts), () => JSON.stringify(mounts));
    for (const role of consumerRoles) {
      const ids = await approle.listSecretIdAccessors(this.root, "approle", role);
      this.expect(label, `${role} holds exactly one live secret-id`, ids.length === 1, () => `${ids.length}`);
    }
    const charmIds = await approle.listSecretIdAccessors(this.root, "approle", CHARM_ROLE);
    const charmSecret = Object.values(sim.model.secrets).find((s) => s.label === "vault-approle-charm");
    const revisions = charmSecret?.revisions.length ?? 0;
    this.expect(label, "the charm's secret-ids are one per revision of its credentials secret", charmIds.length === revisions, () => `${charmIds.length} secret-ids, ${revisions} revisions`);

    const owned = Object.values(sim.model.secrets).filter((s) => s.owner === "vault");
    const labels = owned.map((s) => s.label ?? "");
    const expectedLabels = ["vault-ca", "vault-approle-charm", ...v0Units.map((u) => `vault-kv-${u.replace("/", "-")}`)].sort();
    this.expect(label, "Juju secrets owned by vault: one per purpose, none left over", JSON.stringify([...labels].sort()) === JSON.stringify(expectedLabels), () => JSON.stringify(labels.sort()));

    // Each unit keeps one token between hooks (src/kept-token.ts), noted before its first use: any
    // other live charm token was left by a killed hook.
    const kept = await this.keptTokenAccessors();
    const live = await charmTokenAccessors(this.root);
    this.expect(label, "no charm token alive but the ones units keep", live.every((a) => kept.includes(a)) && live.length <= 1, () => `${live.length} alive, kept: ${kept.length}`);
  }

  /** Accessors of the tokens vault units keep in their state directory. */
  private async keptTokenAccessors(): Promise<string[]> {
    const out: string[] = [];
    for (const unit of this.sim.aliveUnits("vault")) {
      const file = join(this.sim.unit(unit).dataDir, "var/lib/vault-charm/charm-session.json");
      if (!existsSync(file)) continue;
      const { token } = JSON.parse(readFileSync(file, "utf8")) as { token: string };
      const info = await sys.lookupSelf(this.root.withToken(token)).catch(() => null);
      if (info) out.push(info.accessor);
    }
    return out;
  }
}
