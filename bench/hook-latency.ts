// Hook latency and hook-tool cost, each as a ratio to a baseline measured in the same run on the
// same machine, so the figures mean something on any host:
//   - an event the charm ignores, through the real dispatch   vs  `node -e 0`
//   - update-status on an active unit with a real Vault       vs  `node -e 0`
//   - one hook-tool call through the simulator's jujuc client  vs  spawning /bin/true
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sim } from "../tests/sim/controller.js";
import { deployServingVault } from "../tests/sim/ready-vault.js";
import { findWorkloadBinary } from "../tests/sim/workload-binary.js";

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

function timeSpawn(command: string, args: string[], runs: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(command, args, { stdio: "ignore", env: BARE_ENV });
    if (result.status !== 0) throw new Error(`${command} exited ${result.status}`);
    samples.push(performance.now() - started);
  }
  return samples;
}

const TIME = "/usr/bin/time";

/** Median peak RSS (MiB) of update-status and of `node -e 0`, from GNU time's %M. */
async function peakRss(sim: Sim, runs: number): Promise<{ hook: number; node: number } | null> {
  if (!existsSync(TIME)) return null;
  const out = join(sim.paths.dir, "rss.txt");
  const read = () => readFileSync(out, "utf8").trim().split("\n").map((kb) => Number(kb) / 1024);
  writeFileSync(out, "");
  sim.hookWrapper = [TIME, "-f", "%M", "-a", "-o", out];
  for (let i = 0; i < Math.min(runs, 10); i++) await sim.runHook("vault/0", "update-status");
  sim.hookWrapper = [];
  const hook = median(read());
  writeFileSync(out, "");
  timeSpawn(TIME, ["-f", "%M", "-a", "-o", out, process.execPath, "-e", "0"], Math.min(runs, 10));
  return { hook: Math.round(hook), node: Math.round(median(read())) };
}

function row(name: string, ms: number, baseline: number, extra = ""): string {
  return `${name.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / baseline).toFixed(2).padStart(6)}x baseline${extra ? `  ${extra}` : ""}`;
}

export async function runBenchmarks({ runs }: { runs: number }): Promise<void> {
  const server = findWorkloadBinary();
  const dir = mkdtempSync(join(tmpdir(), "vault-charm-bench-"));
  const sim = await Sim.open(dir, { vaultBinary: server.path });
  try {
    process.stdout.write(`setting up an active unit on ${server.implementation}...\n`);
    await deployServingVault(sim);
    const unit = sim.unit("vault/0");
    process.stdout.write(`unit status: ${unit.status.status} "${unit.status.message}"\n\n`);

    const nodeBaseline = median(timeSpawn(process.execPath, ["-e", "0"], runs));
    const trueBaseline = median(timeSpawn("/bin/true", [], runs));

    const measureHook = async (name: string) => {
      const before = sim.runs.length;
      for (let i = 0; i < runs; i++) await sim.runHook("vault/0", name);
      const hookRuns = sim.runs.slice(before).filter((r) => r.name === name);
      const calls = hookRuns.flatMap((r) => r.toolCalls);
      return { ms: median(hookRuns.map((r) => r.durationMs)), calls: calls.length / hookRuns.length, callMs: median(calls.map((c) => c.ms)), failed: hookRuns.filter((r) => r.exitCode !== 0).length };
    };
    const ignored = await measureHook("vault-bench-ignored-event");
    const update = await measureHook("update-status");
    const rss = await peakRss(sim, runs);

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

    process.stdout.write(`${runs} samples each, medians; baselines measured in this run\n`);
    process.stdout.write(row("baseline: node -e 0", nodeBaseline, nodeBaseline) + "\n");
    process.stdout.write(row("dispatch, ignored event", ignored.ms, nodeBaseline, `${ignored.calls.toFixed(1)} tool calls/hook`) + "\n");
    process.stdout.write(row("dispatch, update-status (active unit)", update.ms, nodeBaseline, `${update.calls.toFixed(1)} tool calls/hook, ${update.failed} failed`) + "\n");
    process.stdout.write(`${"peak RSS, update-status / node -e 0".padEnd(44)} ${rss ? `${rss.hook} MiB / ${rss.node} MiB = ${(rss.hook / rss.node).toFixed(2)}x` : "n/a (/usr/bin/time not installed)"}\n`);
    process.stdout.write(row("baseline: spawn /bin/true", trueBaseline, trueBaseline) + "\n");
    process.stdout.write(row("hook-tool round trip from a shell", loopHook.ms, trueBaseline) + "\n");
    process.stdout.write(row("hook-tool call, server side only", update.callMs, trueBaseline) + "\n");
  } finally {
    await sim.destroy();
  }
}
