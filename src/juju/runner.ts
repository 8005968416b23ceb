// The single place that runs hook tools. Calls are synchronous: a hook is a short sequential
// program and Juju serialises hooks per unit, so there is nothing to overlap.
import { runCaptured } from "../native-io.js";
import { classifyHookToolFailure, HookToolMissingError } from "./errors.js";

export interface RunOptions {
  /** Bytes for the tool's stdin (relation-set --file -); never put secrets in args. */
  input?: string;
}

/** Counts calls per process, so a hook can report how many tool calls it made. */
let callCount = 0;
export function hookToolCallCount(): number {
  return callCount;
}

export function runHookTool(tool: string, args: readonly string[], options: RunOptions = {}): string {
  callCount += 1;
  const result = runCaptured(tool, args, { input: options.input, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    if (result.error.code === "ENOENT") throw new HookToolMissingError(tool, null, `${tool} not found on PATH: not running in a Juju hook`);
    throw classifyHookToolFailure(tool, null, result.error.message);
  }
  if (result.status !== 0) throw classifyHookToolFailure(tool, result.status, result.stderr);
  return result.stdout;
}

/** Runs a tool with `--format=json` and parses its output; empty output means null. */
export function runHookToolJson<T = unknown>(tool: string, args: readonly string[], options: RunOptions = {}): T {
  const out = runHookTool(tool, ["--format=json", ...args], options).trim();
  return (out === "" ? null : JSON.parse(out)) as T;
}
