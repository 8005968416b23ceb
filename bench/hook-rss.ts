// A hook's own peak RSS and CPU time. The hook process reports them at exit from a module preloaded
// through NODE_OPTIONS (`--import`): the node process that runs the charm (dispatch execs it) and
// nothing else: not the simulator, and not the hook-tool clients or `vault` CLI runs the hook
// spawns, which a wrapper such as /usr/bin/time would count (RUSAGE_CHILDREN reports the largest of
// all the descendants it waited for). Peak RSS is VmHWM from /proc/self/status, not
// getrusage's ru_maxrss: Linux carries ru_maxrss across fork and exec, so a hook spawned by a
// simulator holding a model of 1,000 units reported the simulator's 110 MiB as its own. CPU time
// (getrusage, which exec does not carry over from the parent) hardly moves with other work on the
// machine, unlike wall time.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sim } from "../tests/sim/controller.js";

const REPORTER = `import { appendFileSync, readFileSync } from "node:fs";
const file = process.env.HOOK_RSS_FILE;
process.on("exit", () => {
  const usage = process.resourceUsage();
  const hwm = /^VmHWM:\\s*(\\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
  appendFileSync(file, (hwm ? hwm[1] : "") + " " + (usage.userCPUTime + usage.systemCPUTime) + "\\n");
});
`;

export interface HookUsage {
  /** Peak resident set, MiB. */
  rssMiB: number;
  /** User + system CPU time of the hook's own process, ms. */
  cpuMs: number;
}

/** The preloaded reporter, written into `dir`: the environment that loads it, and its last report. */
export function usageReporter(dir: string): { env: Record<string, string>; read: (what: string) => HookUsage } {
  const reporter = join(dir, "usage-report.mjs");
  const out = join(dir, "usage.txt");
  writeFileSync(reporter, REPORTER);
  writeFileSync(out, "");
  const read = (what: string) => {
    const [kib, micros] = readFileSync(out, "utf8").trim().split(" ").map(Number);
    if (!kib || micros === undefined) throw new Error(`${what} reported no usage (did it exit abnormally?)`);
    return { rssMiB: kib / 1024, cpuMs: micros / 1000 };
  };
  return { env: { NODE_OPTIONS: `--import=${reporter}`, HOOK_RSS_FILE: out }, read };
}

/** The hook process's own usage in one run of `hook` on `unit`. */
export async function hookUsage(sim: Sim, unit: string, hook: string, env: Record<string, string> = {}): Promise<HookUsage> {
  const report = usageReporter(sim.paths.dir);
  await sim.runHook(unit, hook, { ...env, ...report.env });
  return report.read(`${hook} on ${unit}`);
}

/** `node -e 0`'s usage, measured the same way (the same preloaded reporter), as the baseline. */
export function nodeUsage(sim: Sim, node: string, env: Record<string, string>): HookUsage {
  const report = usageReporter(sim.paths.dir);
  const result = spawnSync(node, ["-e", "0"], { env: { ...env, ...report.env }, stdio: "ignore" });
  if (result.status !== 0) throw new Error(`${node} -e 0 exited ${result.status}`);
  return report.read("node -e 0");
}

/** Peak RSS in MiB of each of `runs` runs of `hook` on `unit`. */
export async function hookPeakRss(sim: Sim, unit: string, hook: string, runs: number, env: Record<string, string> = {}): Promise<number[]> {
  const rss: number[] = [];
  for (let i = 0; i < runs; i++) rss.push((await hookUsage(sim, unit, hook, env)).rssMiB);
  return rss;
}
