// Where secret strings turn up in what a simulated model leaves behind: hook logs, unit files
// (Vault's own storage excepted), hook-tool argv and the service shim's argv. Suites call it with
// the secrets they handled and state exactly which carriers are allowed.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Sim } from "../sim/controller.js";

export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return entry.isFile() ? [path] : [];
  });
}

/** Files a secret may sit in by design: Vault's encrypted storage. */
const STORAGE = /\/(data|raft)\//;

export interface Carriers {
  /** Log and unit files holding a secret. */
  files: string[];
  /** `<hook or action>:<tool>` for each hook-tool call whose argv held a secret. */
  toolCalls: string[];
  /** Number of files scanned, so a scan of nothing cannot pass unnoticed. */
  scannedFiles: number;
}

export function secretCarriers(sim: Sim, secrets: string[]): Carriers {
  const needles = secrets.filter((s) => s.length >= 8);
  if (needles.length !== secrets.length) throw new Error("secrets shorter than 8 characters make a meaningless scan");
  const unitDirs = Object.keys(sim.model.units).map((name) => sim.unit(name).dataDir);
  const files = [...filesUnder(sim.paths.logs), ...unitDirs.flatMap(filesUnder)].filter((f) => !STORAGE.test(f));
  const holding = files.filter((file) => {
    const text = readFileSync(file, "utf8");
    return needles.some((s) => text.includes(s));
  });
  const toolCalls = sim.runs.flatMap((run) =>
    run.toolCalls.filter((call) => needles.some((s) => call.args.join(" ").includes(s))).map((call) => `${run.name}:${call.tool}`),
  );
  return { files: holding, toolCalls: [...new Set(toolCalls)], scannedFiles: files.length };
}
