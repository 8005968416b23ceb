// action-get / action-set / action-fail / action-log (juju-runtime.md §2.2). Results and logs are
// written to the action record at once, as Juju does.
import type { ActionRecord } from "../types.js";
import { formatOutput, ToolError, usage, type HookRuntime } from "./context.js";
import { flagString, parseArgs } from "./parse.js";

type Tool = (rt: HookRuntime, args: string[], stdin: string) => string;
const KEY_SEGMENT = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const RESERVED = new Set(["stdout", "stdout-encoding", "stderr", "stderr-encoding"]);

function currentAction(rt: HookRuntime): ActionRecord {
  const record = rt.info.actionId ? rt.model.actions[rt.info.actionId] : undefined;
  if (!record) throw new ToolError("not running an action");
  return record;
}

export const actionGet: Tool = (rt, args) => {
  const record = currentAction(rt);
  const p = parseArgs(args, { values: [["--format"]] });
  const [key] = p.positionals;
  if (key === undefined) return formatOutput(record.params, flagString(p, "--format"));
  let value: unknown = record.params;
  for (const part of key.split(".")) value = value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  return formatOutput(value ?? null, flagString(p, "--format"));
};

export const actionSet: Tool = (rt, args) => {
  const record = currentAction(rt);
  const p = parseArgs(args, {});
  if (p.positionals.length === 0) throw usage("no key/value pairs specified");
  for (const pair of p.positionals) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw usage(`argument "${pair}" must be of the form key...=value`);
    const path = pair.slice(0, eq).split(".");
    if (!path.every((segment) => KEY_SEGMENT.test(segment))) {
      throw usage(`key "${pair.slice(0, eq)}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods`);
    }
    // jujuc/action-set.go Init: a reserved word is refused as any segment of the key, not only the first.
    const reserved = path.find((segment) => RESERVED.has(segment));
    if (reserved) throw usage(`cannot set reserved action key "${reserved}"`);
    let node = record.results;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      node = (next && typeof next === "object" ? next : (node[segment] = {})) as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = pair.slice(eq + 1);
  }
  return "";
};

export const actionFail: Tool = (rt, args) => {
  const record = currentAction(rt);
  const p = parseArgs(args, {});
  record.status = "failed";
  record.message = p.positionals.join(" ") || "action failed without reason given, check action for errors";
  return "";
};

export const actionLog: Tool = (rt, args) => {
  const record = currentAction(rt);
  const p = parseArgs(args, {});
  if (p.positionals.length === 0) throw usage("no message specified");
  record.log.push(p.positionals.join(" "));
  return "";
};
