// action-get / action-set / action-fail / action-log. Only valid inside an action context.
import { runHookTool, runHookToolJson } from "../runner.js";

export function actionGet(): Record<string, unknown> {
  return runHookToolJson<Record<string, unknown> | null>("action-get", []) ?? {};
}

/** Juju's rule for each dotted segment of a result key. */
const RESULT_KEY_SEGMENT = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED_RESULT_KEYS = new Set(["stdout", "stdout-encoding", "stderr", "stderr-encoding"]);

/** Nested objects become dotted keys (`a.b=v`), as Juju's action-set builds nested maps from them. */
export function flattenResults(results: Record<string, unknown>, prefix = ""): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(results)) {
    if (!RESULT_KEY_SEGMENT.test(key)) throw new Error(`action result key ${JSON.stringify(key)} is not valid for Juju`);
    const path = prefix ? `${prefix}.${key}` : key;
    if (!prefix && RESERVED_RESULT_KEYS.has(key)) throw new Error(`action result key "${key}" is reserved by Juju`);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      pairs.push(...flattenResults(value as Record<string, unknown>, path));
    } else {
      pairs.push([path, typeof value === "string" ? value : JSON.stringify(value)]);
    }
  }
  return pairs;
}

/**
 * Juju's action-set takes results only as arguments; actions whose job is to return a secret
 * (initialize, generate-secret-id, kv-get) accept that, as the results are that secret's destination.
 */
export function actionSet(results: Record<string, unknown>): void {
  const pairs = flattenResults(results);
  if (pairs.length === 0) return;
  runHookTool("action-set", pairs.map(([k, v]) => `${k}=${v}`));
}

export function actionFail(message: string): void {
  runHookTool("action-fail", ["--", message]);
}

export function actionLog(message: string): void {
  runHookTool("action-log", ["--", message]);
}
