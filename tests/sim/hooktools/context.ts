// What a hook tool sees: the running hook's identity, the live model and the hook's buffered
// writes; plus the error type and output formatting every tool shares (juju-runtime.md §2.1).
import { stringify as toYaml } from "yaml";
import type { HookContextInfo, ModelState, PendingChanges } from "../types.js";

export interface HookRuntime {
  info: HookContextInfo;
  model: ModelState;
  pending: PendingChanges;
  log(level: string, message: string): void;
  now(): Date;
  /** Filled by the context server: each tool call, its argv (kept in memory only, for tests that
   * check no secret travels on a command line) and its server-side duration. */
  calls: { tool: string; args: string[]; ms: number; code?: number }[];
  /** Working directory of the tool's process (relative --file paths), set per call by the server. */
  cwd?: string;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A refusal: `ERROR <message>` on stderr; exit 2 for usage errors, 1 for run-time errors. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly code: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export const usage = (message: string) => new ToolError(message, 2);

export function emptyPending(): PendingChanges {
  return {
    relationSets: {},
    stateSets: {},
    openPorts: [],
    closePorts: [],
    secretCreates: [],
    secretUpdates: {},
    secretRemoves: [],
    secretGrants: [],
    secretRevokes: [],
    secretTracks: {},
    secretConsumerLabels: {},
  };
}

/** Juju's output formats: json is exact, smart prints scalars plainly and maps as YAML. */
export function formatOutput(value: unknown, format: string | undefined): string {
  const fmt = format ?? "smart";
  if (fmt === "json") return `${JSON.stringify(value ?? null)}\n`;
  if (fmt === "yaml") return value === null || value === undefined ? "" : toYaml(value);
  if (fmt !== "smart") throw usage(`invalid value "${fmt}" for option --format: unknown format "${fmt}"`);
  if (value === null || value === undefined || value === "") return "";
  if (typeof value === "boolean") return value ? "True\n" : "False\n";
  if (typeof value === "string" || typeof value === "number") return `${value}\n`;
  if (Array.isArray(value)) return value.length ? `${value.join("\n")}\n` : "";
  return toYaml(value);
}

export function leaderOf(model: ModelState, app: string): string | null {
  return model.apps[app]?.leader ?? null;
}

export function isLeader(rt: HookRuntime): boolean {
  return leaderOf(rt.model, appOf(rt.info.unit)) === rt.info.unit;
}

export function appOf(unit: string): string {
  return unit.slice(0, unit.lastIndexOf("/"));
}
