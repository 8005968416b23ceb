// relation-ids / relation-list / relation-get / relation-set with Juju's access rules (§2.2, §3).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { relationIdsDuringRemoval } from "../juju-version.js";
import type { RelationState } from "../types.js";
import { appOf, formatOutput, isLeader, ToolError, usage, type HookRuntime } from "./context.js";
import { yamlMap } from "./basic.js";
import { flagBool, flagString, parseArgs, parseKeyValues, type ParsedArgs } from "./parse.js";

type Tool = (rt: HookRuntime, args: string[], stdin: string) => string;
const REL = ["-r", "--relation"];
const MAX_SETTINGS_BYTES = 16 * 1024 * 1024;

export function ownEnd(rel: RelationState, app: string) {
  return rel.ends.find((e) => e.app === app);
}

export function remoteApp(rel: RelationState, app: string): string {
  return rel.ends.find((e) => e.app !== app)?.app ?? app; // peers: own app
}

/** The relation named by -r (or the hook's), visible to this unit, else Juju's "relation not found". */
function relationFor(rt: HookRuntime, p: ParsedArgs): RelationState {
  const raw = flagString(p, "--relation");
  let id: number | null = rt.info.relationId;
  let endpoint: string | null = null;
  if (raw !== undefined) {
    const match = /^(?:([a-z][a-z0-9-]*):)?(\d+)$/.exec(raw);
    if (!match) throw usage(`invalid value "${raw}" for flag -r: invalid relation id`);
    id = Number(match[2]);
    endpoint = match[1] ?? null;
  }
  if (id === null) throw usage("no relation id specified");
  const app = appOf(rt.info.unit);
  const rel = rt.model.relations.find((r) => r.id === id);
  const end = rel && ownEnd(rel, app);
  if (!rel || !end || (endpoint !== null && end.endpoint !== endpoint)) {
    throw usage(`invalid value "${raw ?? id}" for flag -r: relation not found`);
  }
  return rel;
}

export const relationIds: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [["--format"]] });
  const endpoint = p.positionals[0] ?? (rt.info.relationId !== null ? endpointOfHook(rt) : null);
  if (!endpoint) throw usage("no endpoint name specified");
  const app = appOf(rt.info.unit);
  const hiddenWhenDying = relationIdsDuringRemoval(rt.model) === "hidden-when-dying";
  const ids = rt.model.relations
    .filter((r) => ownEnd(r, app)?.endpoint === endpoint && !(hiddenWhenDying && r.dying) && !isBrokenHere(rt, r))
    .map((r) => `${endpoint}:${r.id}`)
    .sort();
  return formatOutput(ids, flagString(p, "--format"));
};

/** The relation this relation-broken hook is about: never listed to it (jujuc/relation-ids.go). */
function isBrokenHere(rt: HookRuntime, rel: RelationState): boolean {
  return rt.info.relationId === rel.id && rt.info.hookName.endsWith("-relation-broken");
}

function endpointOfHook(rt: HookRuntime): string | null {
  const rel = rt.model.relations.find((r) => r.id === rt.info.relationId);
  return rel ? (ownEnd(rel, appOf(rt.info.unit))?.endpoint ?? null) : null;
}

export const relationList: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [["--format"], REL], bools: [["--app"]] });
  const rel = relationFor(rt, p);
  const app = appOf(rt.info.unit);
  if (flagBool(p, "--app")) return formatOutput(remoteApp(rel, app), flagString(p, "--format"));
  return formatOutput([...(rel.scope[rt.info.unit] ?? [])].sort(), flagString(p, "--format"));
};

/** A bag as this unit sees it: committed data plus its own hook's pending writes. */
function bagView(rt: HookRuntime, rel: RelationState, member: string, isApp: boolean): Record<string, string> {
  const committed = (isApp ? rel.appData[member] : rel.unitData[member]) ?? {};
  const own = isApp ? member === appOf(rt.info.unit) : member === rt.info.unit;
  if (!own) return { ...committed };
  const view = { ...committed };
  for (const [k, v] of Object.entries(rt.pending.relationSets[rel.id]?.[member] ?? {})) {
    if (v === "") delete view[k];
    else view[k] = v;
  }
  return view;
}

export const relationGet: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [["--format"], REL], bools: [["--app"]] });
  const rel = relationFor(rt, p);
  const app = appOf(rt.info.unit);
  const [keyArg, memberArg, extra] = p.positionals;
  if (extra !== undefined) throw usage(`unrecognized args: ["${extra}"]`);
  let asApp = flagBool(p, "--app");
  let member = memberArg ?? null;
  if (member === null) {
    if (rt.info.remoteUnit && !asApp) member = rt.info.remoteUnit;
    else if (rt.info.remoteApp) {
      member = rt.info.remoteApp;
      asApp = true;
    } else throw usage("no unit or application specified");
  }
  if (asApp && member.includes("/")) member = appOf(member);
  if (!asApp && !member.includes("/")) {
    if (!/^[a-z][a-z0-9-]*$/.test(member)) throw usage(`invalid unit name "${member}"`);
    throw usage(`expected unit name, got application name "${member}"`);
  }
  const memberApp = asApp ? member : appOf(member);
  if (!rel.ends.some((e) => e.app === memberApp)) throw new ToolError("permission denied");
  const peer = rel.ends.length === 1;
  if (asApp && memberApp === app && !peer && !isLeader(rt)) throw new ToolError("permission denied");
  const bag = bagView(rt, rel, member, asApp);
  const key = keyArg === undefined || keyArg === "-" ? null : keyArg;
  return formatOutput(key === null ? bag : (bag[key] ?? null), flagString(p, "--format"));
};

export const relationSet: Tool = (rt, args, stdin) => {
  const p = parseArgs(args, { values: [["--format"], REL, ["--file"]], bools: [["--app"]] });
  const rel = relationFor(rt, p);
  const file = flagString(p, "--file");
  // jujuc/relation-set.go: --file <path> (relative to the tool's working directory) or - for stdin, YAML.
  const fileText = file === undefined ? "" : file === "-" ? stdin : readSettingsFile(rt, file);
  const values = { ...(file === undefined ? {} : yamlMap(fileText, "--file")), ...parseKeyValues(p.positionals) };
  const asApp = flagBool(p, "--app");
  if (asApp && !isLeader(rt)) throw new ToolError("cannot write relation settings");
  const member = asApp ? appOf(rt.info.unit) : rt.info.unit;
  const pending = ((rt.pending.relationSets[rel.id] ??= {})[member] ??= {});
  Object.assign(pending, values);
  const size = Object.entries(bagView(rt, rel, member, asApp)).reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (size > MAX_SETTINGS_BYTES) throw new ToolError("relation settings too large");
  return "";
};

function readSettingsFile(rt: HookRuntime, path: string): string {
  try {
    return readFileSync(resolve(rt.cwd ?? rt.model.units[rt.info.unit]!.charmDir, path), "utf8");
  } catch (error) {
    throw new ToolError(`cannot read settings file: ${(error as Error).message}`);
  }
}
