// Unit-level tools: logging, status, config, leadership, networking, ports, unit state.
import { parse as parseYaml } from "yaml";
import type { WorkloadStatusName } from "../types.js";
import { appOf, formatOutput, isLeader, ToolError, usage, type HookRuntime } from "./context.js";
import { flagBool, flagString, parseArgs, parseKeyValues } from "./parse.js";

type Tool = (rt: HookRuntime, args: string[], stdin: string) => string;
const fmt = ["--format"];

const SETTABLE: WorkloadStatusName[] = ["maintenance", "blocked", "waiting", "active"];

export const jujuLog: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [["-l", "--log-level"], ["--format"]], bools: [["--debug"]] });
  if (p.positionals.length === 0) throw usage("no message specified");
  const level = flagBool(p, "--debug") ? "DEBUG" : (flagString(p, "--log-level") ?? "INFO").toUpperCase();
  const prefix = rt.info.relationId !== null ? `${endpointOf(rt)}:${rt.info.relationId}: ` : "";
  rt.log(level, prefix + p.positionals.join(" "));
  return "";
};

function endpointOf(rt: HookRuntime): string {
  const rel = rt.model.relations.find((r) => r.id === rt.info.relationId);
  return rel?.ends.find((e) => e.app === appOf(rt.info.unit))?.endpoint ?? "";
}

export const statusSet: Tool = (rt, args) => {
  const p = parseArgs(args, { bools: [["--application"]] });
  const [status, ...message] = p.positionals;
  if (!status) throw usage("invalid args, require <status> [message]");
  if (!SETTABLE.includes(status as WorkloadStatusName)) {
    throw usage(`invalid status "${status}", expected one of [${SETTABLE.join(" ")}]`);
  }
  const record = { status: status as WorkloadStatusName, message: message.join(" "), since: rt.now().toISOString() };
  if (flagBool(p, "--application")) {
    if (!isLeader(rt)) throw new ToolError("this unit is not the leader");
    rt.model.apps[appOf(rt.info.unit)]!.status = record;
  } else {
    rt.model.units[rt.info.unit]!.status = record;
  }
  return "";
};

export const statusGet: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [fmt], bools: [["--include-data"], ["--application"]] });
  const withData = flagBool(p, "--include-data");
  if (flagBool(p, "--application")) {
    if (!isLeader(rt)) throw new ToolError("finding application status: this unit is not the leader");
    const app = rt.model.apps[appOf(rt.info.unit)]!;
    const units = Object.fromEntries(app.units.map((u) => [u, { status: rt.model.units[u]!.status.status, message: rt.model.units[u]!.status.message, "status-data": {} }]));
    return formatOutput({ "application-status": { status: app.status.status, message: app.status.message, "status-data": {}, units } }, flagString(p, "--format"));
  }
  const s = rt.model.units[rt.info.unit]!.status;
  const value = withData ? { message: s.message, status: s.status, "status-data": {} } : flagString(p, "--format") === "json" ? { status: s.status } : s.status;
  return formatOutput(value, flagString(p, "--format"));
};

export const applicationVersionSet: Tool = (rt, args) => {
  const p = parseArgs(args, {});
  if (p.positionals.length === 0) throw usage("no version specified");
  rt.model.apps[appOf(rt.info.unit)]!.workloadVersion = p.positionals.join(" ");
  return "";
};

export const configGet: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [fmt], bools: [["-a", "--all"]] });
  const app = rt.model.apps[appOf(rt.info.unit)]!;
  const all = flagBool(p, "--all");
  const values: Record<string, unknown> = {};
  for (const [name, option] of Object.entries(app.charm.config)) {
    const value = name in app.config ? app.config[name] : (option.default ?? null);
    if (value !== null || all) values[name] = value;
  }
  const [key, extra] = p.positionals;
  if (extra !== undefined) throw usage(`unrecognized args: ["${extra}"]`);
  if (key !== undefined) {
    if (all) throw usage(`cannot use argument --all together with key "${key}"`);
    return formatOutput(values[key] ?? null, flagString(p, "--format"));
  }
  return formatOutput(values, flagString(p, "--format"));
};

export const isLeaderTool: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [fmt] });
  return formatOutput(isLeader(rt), flagString(p, "--format"));
};

function networkFor(rt: HookRuntime) {
  const address = rt.model.units[rt.info.unit]!.address;
  return {
    "bind-addresses": [{ "mac-address": "", "interface-name": "lo", addresses: [{ hostname: "", value: address, cidr: "127.0.0.0/8" }] }],
    "egress-subnets": [`${address}/32`],
    "ingress-addresses": [address],
  };
}

export const networkGet: Tool = (rt, args) => {
  const p = parseArgs(args, {
    values: [fmt, ["-r", "--relation"]],
    bools: [["--bind-address"], ["--ingress-address"], ["--egress-subnets"], ["--primary-address"]],
  });
  const [binding] = p.positionals;
  if (!binding) throw usage("no arguments specified");
  const charm = rt.model.apps[appOf(rt.info.unit)]!.charm.meta;
  const endpoints = new Set(["juju-info", ...Object.keys(charm.provides), ...Object.keys(charm.requires), ...Object.keys(charm.peers)]);
  if (!endpoints.has(binding)) throw new ToolError(`no network config found for binding "${binding}"`);
  const info = networkFor(rt);
  // jujuc/network-get.go: --primary-address prints the first address of the first interface alone.
  if (flagBool(p, "--primary-address")) return formatOutput(info["bind-addresses"][0]!.addresses[0]!.value, flagString(p, "--format"));
  const picks: [string, unknown][] = [];
  if (flagBool(p, "--bind-address")) picks.push(["bind-address", info["bind-addresses"][0]!.addresses[0]!.value]);
  if (flagBool(p, "--ingress-address")) picks.push(["ingress-address", info["ingress-addresses"][0]]);
  if (flagBool(p, "--egress-subnets")) picks.push(["egress-subnets", info["egress-subnets"]]);
  const value = picks.length === 0 ? info : picks.length === 1 ? picks[0]![1] : Object.fromEntries(picks);
  return formatOutput(value, flagString(p, "--format"));
};

export const unitGet: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [fmt] });
  const [key] = p.positionals;
  if (key !== "private-address" && key !== "public-address") throw usage(`unknown setting "${key ?? ""}"`);
  return formatOutput(rt.model.units[rt.info.unit]!.address, flagString(p, "--format"));
};

const PORT = /^(?:icmp|\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp))?)$/;

function portArg(args: string[]): string {
  const p = parseArgs(args, { values: [["--endpoints"], fmt] });
  const [port] = p.positionals;
  if (!port || !PORT.test(port)) throw usage(`invalid port "${port ?? ""}"`);
  return port === "icmp" || port.includes("/") ? port : `${port}/tcp`;
}

export const openPort: Tool = (rt, args) => {
  rt.pending.openPorts.push(portArg(args));
  return "";
};

export const closePort: Tool = (rt, args) => {
  rt.pending.closePorts.push(portArg(args));
  return "";
};

export const openedPorts: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [fmt], bools: [["--endpoints"]] });
  return formatOutput(rt.model.units[rt.info.unit]!.openedPorts, flagString(p, "--format"));
};

function unitState(rt: HookRuntime): Record<string, string> {
  const state = { ...rt.model.units[rt.info.unit]!.state };
  for (const [k, v] of Object.entries(rt.pending.stateSets)) {
    if (v === null) delete state[k];
    else state[k] = v;
  }
  return state;
}

export const stateGet: Tool = (rt, args) => {
  const p = parseArgs(args, { values: [fmt], bools: [["--strict"]] });
  const state = unitState(rt);
  const [key] = p.positionals;
  if (key === undefined || key === "-") return formatOutput(Object.keys(state).length ? state : null, flagString(p, "--format"));
  if (!(key in state) && flagBool(p, "--strict")) throw new ToolError(`"${key}" not found`);
  return formatOutput(state[key] ?? "", flagString(p, "--format"));
};

export const stateSet: Tool = (rt, args, stdin) => {
  const p = parseArgs(args, { values: [["--file"]] });
  const file = flagString(p, "--file");
  const fromFile = file === undefined ? {} : yamlMap(file === "-" ? stdin : "", "--file");
  const values = { ...fromFile, ...parseKeyValues(p.positionals) };
  for (const [k, v] of Object.entries(values)) {
    if (Buffer.byteLength(k) > 256) throw new ToolError(`key too large`);
    if (Buffer.byteLength(v) > 65536) throw new ToolError(`value too large`);
    rt.pending.stateSets[k] = v;
  }
  return "";
};

export const stateDelete: Tool = (rt, args) => {
  const p = parseArgs(args, {});
  const [key] = p.positionals;
  if (!key) throw usage("no key specified");
  rt.pending.stateSets[key] = null;
  return "";
};

/** A YAML (or JSON) map with scalar values, read as strings like yaml.v2 into map[string]string. */
export function yamlMap(text: string, what: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch {
    throw usage(`${what}: cannot parse YAML`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw usage(`${what}: expected a map`);
  const result: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (v !== null && typeof v === "object") throw usage(`${what}: value of "${k}" is not a scalar`);
    result[k] = v === null ? "" : String(v);
  }
  return result;
}
