// Fault injection around etcd storage (issue 16), HashiCorp Vault only (OpenBao has no etcd backend).
//
// The move to etcd: each scenario is a fresh vault unit on file storage, with KV data written
// through Vault and a v0 consumer (the example charm) provisioned, then the etcd relation arrives
// and the vault unit's hook is killed at one point of the move:
//   - "kill-hook" at its Nth hook-tool call (N within the calls an unfaulted move makes),
//   - "kill-hook-in-migrate": while `vault operator migrate` copies (between tool calls); the copy
//     is orphaned, and dies too as soon as it writes to the hook's closed pipe,
//   - "crash-in-migrate": the hook and every process it started (the copy too) killed there, as
//     when the machine loses power; Vault's own daemon is not the hook's and is left alone.
// Then what an operator does (suite.ts recover(): `juju resolve` until quiet, update-status) and
// the invariants: Vault unsealed and active on etcd, every entry written before the move readable,
// Vault writable, the consumer's round trip ok, no hook in error, and the Juju secrets the vault
// app owns exactly those of an unfaulted move (none duplicated or left over).
//
// An etcd member down: on a unit that has moved, one member is killed or SIGSTOPped while hooks
// run (update-status, a consumer unit added, refresh-secrets), then brought back; the same
// invariants after each.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { etcdNames } from "../../src/relations/etcd/identity.js";
import * as approle from "../../src/vault/approle.js";
import { kv2 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { v0MountName, v0RoleName } from "../../src/relations/vault-kv/naming.js";
import type { EtcdCluster } from "../etcd/cluster.js";
import { deployEtcdProvider } from "../etcd/provider.js";
import { deployReadyVault, type ReadyVault } from "../integration/fixtures.js";
import { projectRoot } from "../sim/paths.js";
import { seeded } from "../sim/seeded.js";
import { killHook, signal } from "./processes.js";
import { countInvariant, FaultSuite, type SuiteResult } from "./suite.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const V0 = "kvc";
const DATA_MOUNT = "before-move";
const ENTRIES = 12;
const CHARM_ROLE = "juju-vault-charm";
/** How long a SIGSTOPped member stays hung. */
const STOP_MS = 4000;

export type MoveFault = "kill-hook" | "kill-hook-in-migrate" | "crash-in-migrate";
export type MemberFault = "kill-member" | "stop-member";

export type EtcdSuiteResult = SuiteResult;

/** One vault unit on file storage with data and a consumer, ready for the etcd relation. */
export interface Scenario {
  ready: ReadyVault;
  stopPump: () => void;
  recover: () => Promise<void>;
}

export class EtcdFaultSuite {
  private readonly next: () => number;
  /** vault/0's hook-tool calls while the relation arrives and the data moves, unfaulted. */
  moveCalls = 0;
  /** Labels of the Juju secrets the vault app owns after an unfaulted move (consumer units named generically). */
  private referenceSecrets: string[] = [];
  readonly result: EtcdSuiteResult = { faultsInjected: 0, faultsPlanned: 0, invariantsChecked: 0, violations: [], byFault: {} };

  constructor(
    private readonly vaultBin: string,
    private readonly cluster: EtcdCluster,
    seed: number,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.next = seeded(seed);
  }

  /** A seeded pick of `count` distinct values out of 1..max (all of them when count >= max). */
  sample(max: number, count: number): number[] {
    const all = Array.from({ length: max }, (_, i) => i + 1);
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    return all.slice(0, Math.min(count, max)).sort((a, b) => a - b);
  }

  private async prepare(): Promise<Scenario> {
    const ready = await deployReadyVault(this.vaultBin, "etcd-faults-");
    const sim = ready.sim;
    // The machine's own trigger (ExecStartPost -> juju-exec) runs the charm as on a real unit.
    const stopPump = sim.runJujuExecPromptly(50);
    await sim.deploy(CONSUMER, { app: V0 });
    await sim.integrate("vault:vault-kv", `${V0}:vault`);
    await sys.enableKv(ready.root, DATA_MOUNT, 2, "written on file storage");
    for (let i = 0; i < ENTRIES; i++) await kv2.write(ready.root, DATA_MOUNT, `entry-${i}`, { value: `v${i}` });
    await deployEtcdProvider(sim, this.cluster);
    // The dispatch runs under a tiny shell that notes its pid, so a fault can SIGKILL the hook itself.
    sim.hookWrapper = ["sh", "-c", 'echo $$ > "$VAULT_CHARM_SIM_ROOT/hook.pid"; exec "$@"', "hook"];
    const recoverer = new FaultSuite(ready, 0);
    return { ready, stopPump, recover: () => recoverer.recover() };
  }

  private async dispose(s: Scenario): Promise<void> {
    s.stopPump();
    await s.ready.sim.destroy();
  }

  /** The unfaulted move: counts vault/0's tool calls and records what it leaves. Returns the scenario for the member faults. */
  async calibrate(): Promise<Scenario> {
    const s = await this.prepare();
    let calls = 0;
    s.ready.sim.observeToolCalls((unit) => {
      if (unit === "vault/0") calls++;
    });
    try {
      await s.ready.sim.integrate("vault:etcd", "etcd:etcd-client");
    } finally {
      s.ready.sim.observeToolCalls(null);
    }
    await s.recover();
    this.moveCalls = calls;
    this.referenceSecrets = this.ownedSecretLabels(s.ready);
    this.log(`calibrated: ${calls} tool calls by vault/0 while etcd arrives; vault owns secrets ${JSON.stringify(this.referenceSecrets)}`);
    await this.check(s.ready, "unfaulted move");
    return s;
  }

  private ownedSecretLabels(ready: ReadyVault): string[] {
    const units = ready.sim.aliveUnits(V0);
    return Object.values(ready.sim.model.secrets)
      .filter((x) => x.owner === "vault")
      .map((x) => {
        const label = x.label ?? "(no label)";
        const consumer = units.findIndex((u) => label === `vault-kv-${u.replace("/", "-")}`);
        return consumer >= 0 ? `vault-kv-<consumer ${consumer}>` : label;
      })
      .sort();
  }

  /** A fresh unit on file storage, the relation arriving with `fault`, recovery, invariants. */
  async moveWithFault(fault: MoveFault, at = 0): Promise<void> {
    const label = `move + ${fault}${fault === "kill-hook" ? ` at call ${at}/${this.moveCalls}` : ""}`;
    this.result.faultsPlanned++;
    const s = await this.prepare();
    const sim = s.ready.sim;
    const vaultDir = sim.unit("vault/0").dataDir;
    const hookPid = () => Number(readFileSync(join(vaultDir, "hook.pid"), "utf8"));
    let injected = false;
    let watcher: NodeJS.Timeout | null = null;
    try {
      if (fault === "kill-hook") {
        let calls = 0;
        sim.observeToolCalls((unit) => {
          if (unit === "vault/0" && ++calls === at) injected = signal(hookPid(), "SIGKILL");
        });
      } else {
        // Vault's migration lock in the file storage: `vault operator migrate` has begun copying.
        const lockFile = join(vaultDir, "var/snap/vault/common/data/core/_migration");
        const daemonFile = join(vaultDir, "run", "vault.pid");
        watcher = setInterval(() => {
          if (injected || !existsSync(lockFile)) return;
          const daemon = existsSync(daemonFile) ? Number(readFileSync(daemonFile, "utf8")) : 0;
          const killed = killHook(hookPid(), fault === "crash-in-migrate", [daemon]);
          injected = killed.length > 0;
          if (injected) this.log(`  ${label}: killed ${killed.join(", ")}`);
        }, 2);
      }
      await sim.integrate("vault:etcd", "etcd:etcd-client");
    } finally {
      sim.observeToolCalls(null);
      if (watcher) clearInterval(watcher);
    }
    if (injected) {
      this.result.faultsInjected++;
      this.result.byFault[fault] = (this.result.byFault[fault] ?? 0) + 1;
    }
    try {
      await s.recover();
      await this.check(s.ready, label + (injected ? "" : " (the move ended before the fault point)"));
    } finally {
      await this.dispose(s);
    }
  }

  /**
   * On a unit that has moved: one member down while hooks run, then back. "kill-member": killed,
   * and checked while it is down and after it is back; "stop-member": SIGSTOPped for a few seconds
   * while the hooks run (hung, not gone), and checked once it has been let go.
   */
  async memberDown(s: Scenario, fault: MemberFault, member: number | "leader"): Promise<void> {
    const index = member === "leader" ? await this.cluster.leader() : member;
    const label = `etcd member ${index}${member === "leader" ? " (leader)" : ""} + ${fault}`;
    this.result.faultsPlanned++;
    const sim = s.ready.sim;
    const pid = this.cluster.members()[index]?.pid ?? 0;
    let resume: NodeJS.Timeout | null = null;
    if (fault === "kill-member") await this.cluster.stopMember(index);
    else if (signal(pid, "SIGSTOP")) resume = setTimeout(() => signal(pid, "SIGCONT"), STOP_MS);
    else throw new Error(`member ${index} is not running`);
    this.result.faultsInjected++;
    this.result.byFault[fault] = (this.result.byFault[fault] ?? 0) + 1;
    try {
      // Hooks that read and write through Vault while the member is gone.
      await sim.runHook("vault/0", "update-status");
      const units = sim.aliveUnits(V0);
      if (units.length < 2) await sim.addUnit(V0, 1);
      else await sim.removeUnit(units.at(-1)!);
      await sim.runAction("vault/0", "refresh-secrets", {});
      if (fault === "kill-member") {
        await s.recover();
        await this.check(s.ready, `${label}, while down`);
      }
    } finally {
      if (fault === "kill-member") await this.cluster.startMember(index);
      else if (resume) {
        clearTimeout(resume);
        signal(pid, "SIGCONT");
      }
    }
    await this.cluster.waitHealthy();
    const back = await this.untilActive(s.ready);
    this.log(`  ${label}: Vault answered active ${back === null ? "never within 60 s" : `${back} ms`} after the member was back`);
    await s.recover();
    await this.check(s.ready, `${label}, after it is back`);
  }

  /** Milliseconds until Vault answers as the active node again; null after 60 s. */
  private async untilActive(ready: ReadyVault): Promise<number | null> {
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      const h = await sys.health(ready.root).catch(() => null);
      if (h && !h.sealed && !h.standby) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 200));
    }
    return null;
  }

  private expect(label: string, what: string, ok: boolean, detail: () => string): void {
    countInvariant(this.result, this.log, label, what, ok, detail);
  }

  async check(ready: ReadyVault, label: string): Promise<void> {
    const sim = ready.sim;
    for (const unit of Object.values(sim.model.units).filter((u) => u.life === "alive" && u.app !== "etcd")) {
      this.expect(label, `${unit.name} not in error`, unit.errorHook === null, () => `hook ${unit.errorHook} failed`);
      const wanted = unit.app === "vault" ? /^Unsealed \(active\)$/ : /^Vault KV round trip ok/;
      this.expect(label, `${unit.name} active`, unit.status.status === "active" && wanted.test(unit.status.message), () => `${unit.status.status} "${unit.status.message}"`);
    }
    const config = readFileSync(join(sim.unit("vault/0").dataDir, "var/snap/vault/common/vault.hcl"), "utf8");
    this.expect(label, "Vault's config names etcd storage", /storage "etcd" \{/.test(config), () => config.match(/storage "[a-z]+"/)?.[0] ?? "no storage stanza");
    const prefix = etcdNames({ appName: "vault", modelUuid: sim.model.uuid }).prefix;
    const sealConfig = await this.cluster.etcdctl(["get", `${prefix}core/seal-config`, "--keys-only"]).catch((e: unknown) => String(e));
    this.expect(label, "etcd holds this Vault's seal config", sealConfig.includes("seal-config"), () => sealConfig.slice(0, 200));

    // The Vault that answers is the one on etcd; everything written on file storage is there.
    const missing: string[] = [];
    for (let i = 0; i < ENTRIES; i++) {
      const got = await kv2.read(ready.root, DATA_MOUNT, `entry-${i}`).catch((e: unknown) => ({ data: { error: String(e) } }));
      if (JSON.stringify(got?.data) !== JSON.stringify({ value: `v${i}` })) missing.push(`entry-${i}: ${JSON.stringify(got?.data ?? null)}`);
    }
    this.expect(label, `the ${ENTRIES} entries written before the move are all readable`, missing.length === 0, () => missing.join("; "));
    const probe = `written-after-${this.result.invariantsChecked}`;
    const wrote = await kv2
      .write(ready.root, DATA_MOUNT, probe, { value: "ok" })
      .then(() => kv2.read(ready.root, DATA_MOUNT, probe))
      .then((r) => r?.data?.value === "ok", (e: unknown) => String(e));
    this.expect(label, "Vault takes a write and reads it back", wrote === true, () => String(wrote));

    const units = sim.aliveUnits(V0);
    const mount = v0MountName(V0, "demo", "charm-");
    for (const role of units.map((u) => v0RoleName(mount, u, "charm-"))) {
      const ids = await approle.listSecretIdAccessors(ready.root, "approle", role).catch(() => []);
      this.expect(label, `${role} holds exactly one live secret-id`, ids.length === 1, () => `${ids.length}`);
    }
    const charmIds = await approle.listSecretIdAccessors(ready.root, "approle", CHARM_ROLE).catch(() => []);
    const revisions = Object.values(sim.model.secrets).find((x) => x.label === "vault-approle-charm")?.revisions.length ?? 0;
    this.expect(label, "the charm's secret-ids are one per revision of its credentials secret", charmIds.length === revisions, () => `${charmIds.length} secret-ids, ${revisions} revisions`);

    const labels = this.ownedSecretLabels(ready);
    const expected = [...this.referenceSecrets.filter((l) => !l.startsWith("vault-kv-<")), ...units.map((_, i) => `vault-kv-<consumer ${i}>`)].sort();
    this.expect(label, "Juju secrets owned by vault: those of an unfaulted move, none duplicated or left over", JSON.stringify(labels) === JSON.stringify(expected), () => `${JSON.stringify(labels)}, expected ${JSON.stringify(expected)}`);
  }
}
