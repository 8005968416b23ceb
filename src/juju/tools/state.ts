// Unit state kept by Juju (state-get/state-set/state-delete); buffered until the hook succeeds,
// which makes it the right place for facts that must change together with relation data.
import { runHookTool, runHookToolJson } from "../runner.js";

export function stateGetAll(): Record<string, string> {
  return runHookToolJson<Record<string, string> | null>("state-get", []) ?? {};
}

export function stateSet(values: Record<string, string>): void {
  if (Object.keys(values).length === 0) return;
  runHookTool("state-set", ["--file", "-"], { input: JSON.stringify(values) });
}

export function stateDelete(key: string): void {
  runHookTool("state-delete", [key]);
}
