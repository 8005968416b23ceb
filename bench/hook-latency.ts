// Hook latency and hook-tool cost, each as a ratio to a baseline measured in the same run on the
// same machine, so the figures mean something on any host:
//   - an event the charm ignores, through the real dispatch   vs  `node -e 0`
//   - update-status on an active unit with a real Vault       vs  `node -e 0`
//   - one hook-tool call through the simulator's jujuc client  vs  spawning /bin/true
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sim } from "../tests/sim/controller.js";
import { projectRoot } from "../tests/sim/paths.js";
import { findWorkloadBinary } from "../tests/sim/workload-binary.js";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timeSpawn(command: string, args: string[], runs: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = spawnSync(command, args, { stdio: "ignore" });
    if (result.status !== 0) throw new Error(`${command} exited ${result.status}`);
    samples.push(performance.now() - started);
  }
  return samples;
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
    await sim.deploy(projectRoot(), { app: "vault" });
    const init = await sim.runAction("vault/0", "initialize", { "key-shares": 1, "key-threshold": 1 });
    const unseal = sim.addSecret("unseal", { keys: String(init.results["unseal-keys"]) });
    sim.grantSecret("unseal", "vault");
    await sim.setConfig("vault", { "unseal-keys": unseal });
    const token = sim.addSecret("token", { token: String(init.results["root-token"]) });
    sim.grantSecret("token", "vault");
    await sim.runAction("vault/0", "authorize-charm", { "secret-id": token });
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

    // One tool call from a shell inside a hook: the client's spawn + socket round trip + server work.
    const toolScript = `for i in $(seq ${runs}); do is-leader >/dev/null; done`;
    const loopHook = await (async () => {
      const started = performance.now();
      const result = spawnSync("sh", ["-c", toolScript], { env: { ...process.env, PATH: `${sim.paths.tools}:${process.env.PATH ?? ""}`, JUJU_CONTEXT_ID: "bench-no-context", JUJU_AGENT_SOCKET_ADDRESS: sim.paths.socket } });
      return { ms: (performance.now() - started) / runs, status: result.status };
    })();

    process.stdout.write(`${runs} samples each, medians; baselines measured in this run\n`);
    process.stdout.write(row("baseline: node -e 0", nodeBaseline, nodeBaseline) + "\n");
    process.stdout.write(row("dispatch, ignored event", ignored.ms, nodeBaseline, `${ignored.calls.toFixed(1)} tool calls/hook`) + "\n");
    process.stdout.write(row("dispatch, update-status (active unit)", update.ms, nodeBaseline, `${update.calls.toFixed(1)} tool calls/hook, ${update.failed} failed`) + "\n");
    process.stdout.write(row("baseline: spawn /bin/true", trueBaseline, trueBaseline) + "\n");
    process.stdout.write(row("hook-tool call from a shell (client+server)", loopHook.ms, trueBaseline) + "\n");
    process.stdout.write(row("hook-tool call, server side only", update.callMs, trueBaseline) + "\n");
  } finally {
    await sim.destroy();
  }
}
