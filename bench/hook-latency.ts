// Hook latency and hook-tool cost, each as a ratio to a baseline measured in the same run on the
// same machine, so the figures mean something on any host. Hooks run on the charm's pinned Node
// runtime (scripts/hook-node.ts), and so does the baseline:
//   - an event the charm ignores, through the real dispatch          vs  `node -e 0`
//   - a converged update-status, leader and non-leader, real Vault    vs  `node -e 0`
//     with V8's compile cache on (as shipped) and off (NODE_DISABLE_COMPILE_CACHE=1)
//   - a hook's own peak RSS and CPU time                              vs  `node -e 0`'s
//   - one hook-tool call through the simulator's jujuc client         vs  spawning /bin/true
// `--charm <dir>` measures another build (an older commit's checkout, built) on the same runtime.
// The figures are interleaved (one sample of each per round), so load from other work on the
// machine falls on all of them alike.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinnedNodeDir } from "../scripts/hook-node.js";
import { startEtcdCluster, type EtcdCluster } from "../tests/etcd/cluster.js";
import { deployEtcdProvider } from "../tests/etcd/provider.js";
import { Sim } from "../tests/sim/controller.js";
import { projectRoot } from "../tests/sim/paths.js";
import { deployServingVault } from "../tests/sim/ready-vault.js";
import { findWorkloadBinary } from "../tests/sim/workload-binary.js";
import { hookUsage, nodeUsage, type HookUsage } from "./hook-rss.js";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Baselines run with an environment as bare as a hook's (the sim builds hook environments from
 * scratch): inherited NODE_EXTRA_CA_CERTS alone adds ~50 ms to every Node start-up here.
 */
const BARE_ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8" };

function timeSpawn(command: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: "ignore", env: BARE_ENV });
  if (result.status !== 0) throw new Error(`${command} exited ${result.status}`);
  return performance.now() - started;
}

function row(name: string, ms: number, baseline: number, extra = ""): string {
  return `${name.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / baseline).toFixed(2).padStart(6)}x baseline${extra ? `  ${extra}` : ""}`;
}

interface HookFigure {
  label: string;
  unit: string;
  hook: string;
  env: Record<string, string>;
  samples: number[];
  calls: number[];
  failed: number;
}

async function sample(sim: Sim, figure: HookFigure): Promise<void> {
  const before = sim.runs.length;
  await sim.runHook(figure.unit, figure.hook, figure.env);
  const run = sim.runs.slice(before).find((r) => r.unit === figure.unit && r.name === figure.hook)!;
  figure.samples.push(run.durationMs);
  figure.calls.push(run.toolCalls.length);
  if (run.exitCode !== 0) figure.failed += 1;
}

const CACHE_OFF = { NODE_DISABLE_COMPILE_CACHE: "1" };
const figure = (label: string, unit: string, hook: string, env: Record<string, string> = {}): HookFigure => ({ label, unit, hook, env, samples: [], calls: [], failed: 0 });

/** A second vault unit needs shared storage: a one-member etcd and the etcd provider charm. */
async function addStandby(sim: Sim): Promise<EtcdCluster | null> {
  const binDir = process.env.ETCD_BIN_DIR;
  if (!binDir) return null;
  const cluster = await startEtcdCluster({ binDir, members: 1 });
  await sim.integrate("vault:etcd", `${await deployEtcdProvider(sim, cluster)}:etcd-client`);
  await sim.addUnit("vault");
  return cluster;
}

export async function runBenchmarks({ runs, charm = projectRoot() }: { runs: number; charm?: string }): Promise<void> {
  const server = findWorkloadBinary();
  const node = join(pinnedNodeDir(projectRoot()), "node");
  const dir = mkdtempSync(join(tmpdir(), "vault-charm-bench-"));
  const sim = await Sim.open(dir, { vaultBinary: server.path });
  let cluster: EtcdCluster | null = null;
  try {
    process.stdout.write(`setting up an active unit of ${charm === projectRoot() ? "this tree" : charm} on ${server.implementation}, hooks on ${node}...\n`);
    await deployServingVault(sim, charm);
    const single: HookFigure[] = [
      figure("dispatch, ignored event", "vault/0", "vault-bench-ignored-event"),
      figure("update-status, 1 unit, leader, compile cache on", "vault/0", "update-status"),
      figure("update-status, 1 unit, leader, compile cache off", "vault/0", "update-status", CACHE_OFF),
    ];
    // The first run fills the cache, as the unit's first hook after install or upgrade does.
    await sim.runHook("vault/0", "update-status");
    process.stdout.write(`unit status: ${sim.unit("vault/0").status.status} "${sim.unit("vault/0").status.message}"\n`);

    const nodeSamples: number[] = [];
    const trueSamples: number[] = [];
    for (let i = 0; i < runs; i++) {
      nodeSamples.push(timeSpawn(node, ["-e", "0"]));
      trueSamples.push(timeSpawn("/bin/true", []));
      for (const f of single) await sample(sim, f);
    }
    // The hook's own process: peak RSS and CPU time (bench/hook-rss.ts), against node -e 0's.
    const usageRuns = Math.min(runs, 10);
    const usage = { ignored: [] as HookUsage[], cacheOn: [] as HookUsage[], cacheOff: [] as HookUsage[], node: [] as HookUsage[] };
    for (let i = 0; i < usageRuns; i++) {
      usage.ignored.push(await hookUsage(sim, "vault/0", "vault-bench-ignored-event"));
      usage.cacheOn.push(await hookUsage(sim, "vault/0", "update-status"));
      usage.cacheOff.push(await hookUsage(sim, "vault/0", "update-status", CACHE_OFF));
      usage.node.push(nodeUsage(sim, node, BARE_ENV));
    }

    // One tool call from a shell inside a hook: the client's spawn + socket round trip + server work.
    const toolScript = `for i in $(seq ${runs}); do is-leader >/dev/null; done`;
    // The server answers on this process's event loop, so the shell must run asynchronously.
    const loopHook = await new Promise<{ ms: number }>((resolveRun, reject) => {
      const started = performance.now();
      const env = { ...process.env, PATH: `${sim.paths.tools}:${process.env.PATH ?? ""}`, JUJU_CONTEXT_ID: "bench-no-context", JUJU_AGENT_SOCKET_ADDRESS: sim.paths.socket };
      const child = spawn("sh", ["-c", toolScript], { env, stdio: "ignore" });
      child.on("error", reject);
      child.on("close", () => resolveRun({ ms: (performance.now() - started) / runs }));
    });

    // Leader and non-leader on HA Vault (etcd): a standby unit's converged update-status.
    process.stdout.write(`adding a standby unit on etcd...\n`);
    cluster = await addStandby(sim);
    const ha: HookFigure[] = cluster
      ? [
          figure("update-status, 2 units on etcd, leader, cache on", "vault/0", "update-status"),
          figure("update-status, 2 units on etcd, non-leader, cache on", "vault/1", "update-status"),
          figure("update-status, 2 units on etcd, leader, cache off", "vault/0", "update-status", CACHE_OFF),
          figure("update-status, 2 units on etcd, non-leader, cache off", "vault/1", "update-status", CACHE_OFF),
        ]
      : [];
    const haNode: number[] = [];
    if (cluster) {
      for (const unit of ["vault/0", "vault/1"]) await sim.runHook(unit, "update-status");
      process.stdout.write(`units: ${["vault/0", "vault/1"].map((u) => `${u} ${sim.unit(u).status.status} "${sim.unit(u).status.message}"`).join(", ")}\n`);
      for (let i = 0; i < runs; i++) {
        haNode.push(timeSpawn(node, ["-e", "0"]));
        for (const f of ha) await sample(sim, f);
      }
    }

    const nodeBaseline = median(nodeSamples);
    const trueBaseline = median(trueSamples);
    const hookRow = (f: HookFigure, baseline: number) =>
      row(f.label, median(f.samples), baseline, `${median(f.calls)} tool calls/hook${f.failed ? `, ${f.failed} failed` : ""}`);
    process.stdout.write(`\n${runs} samples each, medians, interleaved; hooks and baseline on the pinned Node ${spawnSync(node, ["--version"]).stdout.toString().trim()}\n`);
    process.stdout.write(row("baseline: node -e 0", nodeBaseline, nodeBaseline) + "\n");
    for (const f of single) process.stdout.write(hookRow(f, nodeBaseline) + "\n");
    if (cluster) {
      const haBaseline = median(haNode);
      process.stdout.write(row("baseline: node -e 0 (same rounds as below)", haBaseline, haBaseline) + "\n");
      for (const f of ha) process.stdout.write(hookRow(f, haBaseline) + "\n");
    } else process.stdout.write("non-leader update-status: n/a (ETCD_BIN_DIR not set: a second vault unit needs etcd)\n");
    const nodeRss = median(usage.node.map((u) => u.rssMiB));
    const nodeCpu = median(usage.node.map((u) => u.cpuMs));
    process.stdout.write(`\nthe process's own usage (not its tool calls; every process with the same preloaded reporter), ${usageRuns} samples each, medians: peak RSS, CPU time (user + system)\n`);
    for (const [label, samples] of [
      ["node -e 0", usage.node],
      ["ignored event", usage.ignored],
      ["update-status (1 unit, leader), compile cache on", usage.cacheOn],
      ["update-status (1 unit, leader), compile cache off", usage.cacheOff],
    ] as const) {
      const rss = median(samples.map((u) => u.rssMiB));
      const cpu = median(samples.map((u) => u.cpuMs));
      process.stdout.write(`${label.padEnd(52)} ${rss.toFixed(0).padStart(4)} MiB ${(rss / nodeRss).toFixed(2)}x   ${cpu.toFixed(1).padStart(6)} ms CPU ${(cpu / nodeCpu).toFixed(2)}x\n`);
    }
    process.stdout.write(row("baseline: spawn /bin/true", trueBaseline, trueBaseline) + "\n");
    process.stdout.write(row("hook-tool round trip from a shell", loopHook.ms, trueBaseline) + "\n");
    const callMs = median(sim.runs.filter((r) => r.name === "update-status").flatMap((r) => r.toolCalls.map((c) => c.ms)));
    process.stdout.write(row("hook-tool call, server side only", callMs, trueBaseline) + "\n");
  } finally {
    await sim.destroy();
    await cluster?.stop();
  }
}
