// A hook's own peak RSS. The hook process reports it at exit from a module preloaded through
// NODE_OPTIONS (`--import`): process.resourceUsage().maxRSS is getrusage(RUSAGE_SELF), the node
// process that runs the charm (dispatch execs it) and nothing else: not the simulator, and not the
// hook-tool clients or `vault` CLI runs the hook spawns, which a wrapper such as /usr/bin/time would
// count (RUSAGE_CHILDREN reports the largest of all the descendants it waited for).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Sim } from "../tests/sim/controller.js";

const REPORTER = `import { appendFileSync } from "node:fs";
const file = process.env.HOOK_RSS_FILE;
process.on("exit", () => appendFileSync(file, process.resourceUsage().maxRSS + "\\n"));
`;

/** Peak RSS in MiB of each of `runs` runs of `hook` on `unit`. */
export async function hookPeakRss(sim: Sim, unit: string, hook: string, runs: number, env: Record<string, string> = {}): Promise<number[]> {
  const reporter = join(sim.paths.dir, "rss-report.mjs");
  const out = join(sim.paths.dir, "rss.txt");
  writeFileSync(reporter, REPORTER);
  writeFileSync(out, "");
  for (let i = 0; i < runs; i++) await sim.runHook(unit, hook, { ...env, NODE_OPTIONS: `--import=${reporter}`, HOOK_RSS_FILE: out });
  const kib = readFileSync(out, "utf8").trim().split("\n").filter(Boolean).map(Number);
  if (kib.length !== runs) throw new Error(`${hook} on ${unit}: ${kib.length} RSS reports for ${runs} runs (did the hook exit abnormally?)`);
  return kib.map((k) => k / 1024);
}
