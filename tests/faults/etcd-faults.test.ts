// Fault injection around etcd storage (tests/faults/etcd-suite.ts): the vault unit's hook killed at
// points of the move from file storage to a real 3-member TLS etcd cluster, and an etcd member down
// and back. CI runs a seeded sample; the full run kills the hook at every tool call of the move and
// takes every member down in both ways:
//   VAULT_CHARM_FAULTS=full npx vitest run tests/faults/etcd-faults.test.ts   (VAULT_CHARM_FAULT_SEED, _COUNT to vary)
// It prints faults injected, invariants checked and violations, and fails on any violation.
// HashiCorp Vault only: OpenBao has no etcd backend.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEtcdCluster, type EtcdCluster } from "../etcd/cluster.js";
import { implementations } from "../integration/servers.js";
import { EtcdFaultSuite, type MemberFault, type MoveFault, type Scenario } from "./etcd-suite.js";

const FULL = process.env.VAULT_CHARM_FAULTS === "full";
const SEED = Number(process.env.VAULT_CHARM_FAULT_SEED ?? 16);
// How many seeded tool-call kills in the sample (each is a fresh unit on file storage, ~15 s).
const KILLS = Number(process.env.VAULT_CHARM_FAULT_COUNT ?? (FULL ? Infinity : 2));
const etcdBin = process.env.ETCD_BIN_DIR;
const vault = implementations().find((i) => i.name === "vault")!;
const out = (line: string) => process.stdout.write(`${line}\n`);

describe.skipIf(!etcdBin || !vault.bin)(`etcd fault injection (${FULL ? "full" : "sample"}, seed ${SEED})${etcdBin && vault.bin ? "" : ": etcd or HashiCorp Vault not installed, skipped"}`, () => {
  let cluster: EtcdCluster;
  let suite: EtcdFaultSuite;
  let moved: Scenario | null = null;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3, binDir: etcdBin! });
    suite = new EtcdFaultSuite(vault.bin!, cluster, SEED, out);
    moved = await suite.calibrate();
  }, 300_000);
  afterAll(async () => {
    moved?.stopPump();
    await moved?.ready.sim.destroy();
    await cluster?.stop();
    const r = suite?.result;
    if (r) out(`etcd fault injection, seed ${SEED}: faults injected ${r.faultsInjected} (of ${r.faultsPlanned} planned; by kind ${JSON.stringify(r.byFault)}), invariants checked ${r.invariantsChecked}, violations ${r.violations.length}`);
  });

  it("an etcd member down (killed, or stopped) while hooks run, then back: Vault stays active and loses nothing", async () => {
    const plan: [MemberFault, number | "leader"][] = FULL
      ? [0, 1, 2].flatMap((m): [MemberFault, number][] => [["kill-member", m], ["stop-member", m]])
      : [["kill-member", "leader"], ["stop-member", "leader"]];
    for (const [fault, member] of plan) await suite.memberDown(moved!, fault, member);
    moved!.stopPump();
    await moved!.ready.sim.destroy();
    moved = null;
    expect(suite.result.violations).toEqual([]);
  }, 600_000);

  it("the hook killed at points of the move to etcd, then resolved: Vault active on etcd with every entry", async () => {
    const points = suite.sample(suite.moveCalls, KILLS);
    // The sample kills mid-copy once, with the copy (kill-hook-in-migrate only in the full run).
    const midCopy: MoveFault[] = FULL ? ["kill-hook-in-migrate", "crash-in-migrate"] : ["crash-in-migrate"];
    const plan: [MoveFault, number][] = [...points.map((n): [MoveFault, number] => ["kill-hook", n]), ...midCopy.map((f): [MoveFault, number] => [f, 0])];
    out(`kill points (of ${suite.moveCalls} calls): ${points.join(", ")}`);
    for (const [i, [fault, at]] of plan.entries()) {
      await suite.moveWithFault(fault, at);
      const r = suite.result;
      out(`  ${i + 1}/${plan.length}: faults injected ${r.faultsInjected}, invariants checked ${r.invariantsChecked}, violations ${r.violations.length}`);
    }
    expect(suite.result.faultsInjected).toBeGreaterThan(0);
    expect(suite.result.violations).toEqual([]);
  }, FULL ? 24 * 3600_000 : 900_000);
});
