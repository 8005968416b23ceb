// Where secret strings turn up in what a simulated model leaves behind: hook logs, unit files
// (Vault's own storage excepted), hook-tool argv and the service shim's argv. Suites call
// secretCarriers with the secrets they handled; tests/setup/leak-scan.ts runs harvestSecrets and
// transcriptOf over every model of every suite.
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

// ---- suite-wide scan ----------------------------------------------------------------------

/** Shorter values would match by chance; no secret the charm handles is that short. */
export const MIN_SECRET_LENGTH = 8;

/** Secret value -> where it was seen (reported instead of the value, which a report must not echo). */
export type SecretRegistry = Map<string, { source: string; key: string }>;

/** Action results that are secrets by design, and action params that carry them in. */
const SECRET_RESULTS: Record<string, string[]> = {
  initialize: ["unseal-keys", "root-token"],
  "generate-secret-id": ["wrapping-token", "secret-id"],
  "kv-get": ["value", "data"],
  get: ["value"], // examples/kv-consumer
};
const SECRET_PARAMS: Record<string, string[]> = { "kv-put": ["data"], put: ["value"] };

/** Actions whose job is to return a secret: their action-set argv carries it (Juju has no other way). */
export const SECRET_RETURNING_ACTIONS = new Set(Object.keys(SECRET_RESULTS));

/**
 * Secret content keys that are not confidential: certificates (public by nature; their keys are
 * scanned) and what etcd_client/v0 groups into its secrets only by habit: the etcd user name (the CN
 * of our own certificate), the client URLs (also in the `endpoints` databag key) and the TLS flag.
 * In vault-auth, `runner-role` and `approle-mount` are names that make up Vault paths (in policies,
 * log lines naming a path); the ids and secret-ids beside them are scanned.
 */
const PUBLIC_KEYS = new Set(["certificate", "mtls-cert", "tls-ca", "tls", "username", "uris", "runner-role", "approle-mount"]);

/** Values that hold several secrets: unseal shares (comma or newline separated), kv data (JSON). */
const LISTS = new Set(["keys", "unseal-keys"]);
const JSON_MAPS = new Set(["data"]);

function register(registry: SecretRegistry, key: string, value: unknown, source: string): void {
  if (typeof value !== "string" || PUBLIC_KEYS.has(key)) return;
  const parts = [value, ...(LISTS.has(key) ? value.split(/[,\n]/) : []), ...(JSON_MAPS.has(key) ? jsonStrings(value) : [])];
  for (const part of parts.map((p) => p.trim())) if (part.length >= MIN_SECRET_LENGTH && !registry.has(part)) registry.set(part, { source, key });
}

/** String values inside a JSON object (kv data), or none. */
function jsonStrings(value: string): string[] {
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === "object" ? Object.values(parsed).filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}

/**
 * Every secret the model holds or held so far: each revision of each Juju secret, results and
 * params of the actions that carry secrets, and the wrapping tokens the legacy dialect publishes.
 * Called after every hook, so revisions removed later are still known.
 */
export function harvestSecrets(sim: Sim, registry: SecretRegistry): void {
  for (const secret of Object.values(sim.model.secrets)) {
    for (const revision of secret.revisions) {
      for (const [key, value] of Object.entries(revision.content)) {
        register(registry, key, Buffer.from(value, "base64").toString(), `secret ${secret.label ?? secret.name ?? secret.id} revision ${revision.revision} key ${key}`);
      }
    }
  }
  for (const action of Object.values(sim.model.actions)) {
    for (const key of SECRET_RESULTS[action.name] ?? []) register(registry, key, action.results[key], `result ${key} of action ${action.name} ${action.id}`);
    for (const key of SECRET_PARAMS[action.name] ?? []) register(registry, key, action.params[key], `param ${key} of action ${action.name} ${action.id}`);
  }
  for (const relation of sim.model.relations) {
    for (const [unit, bag] of Object.entries(relation.unitData)) {
      for (const [key, value] of Object.entries(bag)) if (key.endsWith("_token")) register(registry, key, jsonOr(value), `relation ${relation.id} ${unit} ${key}`);
    }
  }
}

function jsonOr(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Log lines and process arguments of one model, kept in memory so they outlive its directory. */
export interface Transcript {
  model: string;
  /** File (relative to the model) -> its text: unit logs, the shims' argv logs, workload logs. */
  logs: Map<string, string>;
  argv: { unit: string; run: string; tool: string; args: string }[];
  /** Units of apps whose charm is the simulator's shell test charm (it passes content as key=value). */
  probeUnits: Set<string>;
}

export function transcriptOf(sim: Sim): Transcript {
  const logs = new Map<string, string>();
  const machineLogs = Object.values(sim.model.units).flatMap((unit) => [join(unit.dataDir, "shim-calls.log"), ...filesUnder(join(unit.dataDir, "var", "log"))]);
  for (const file of [...filesUnder(sim.paths.logs), ...machineLogs]) {
    if (existsSync(file)) logs.set(file.slice(sim.paths.dir.length + 1), readFileSync(file, "utf8"));
  }
  const argv = sim.runs.flatMap((run) => run.toolCalls.map((call) => ({ unit: run.unit, run: run.name, tool: call.tool, args: call.args.join(" ") })));
  const probeApps = new Set(Object.values(sim.model.apps).filter((app) => app.charm.meta.name === "probe").map((app) => app.name));
  const probeUnits = new Set(sim.runs.map((run) => run.unit).filter((unit) => probeApps.has(unit.slice(0, unit.lastIndexOf("/")))));
  return { model: sim.paths.dir, logs, argv, probeUnits };
}

/** AppRole role-ids: the charm's own, and vault-auth's worker and runner ones. */
const ROLE_ID_KEYS = new Set(["role-id", "worker-role-id", "runner-role-id"]);

/** Vault's own log (not the charm's) under a unit's machine. */
const WORKLOAD_LOG = /\/var\/log\//;

/**
 * Where registered secrets appear in a transcript, minus the carriers allowed by design: the
 * action-set of an action that exists to return a secret; the simulator's own shell test charm (it
 * exercises the key=value form of the secret tools, with throwaway values); and AppRole role-ids in
 * Vault's own log, which names a login's identity alias after its role_id (AppRole's user name, not
 * a secret on its own) in warnings such as "duplicate identity name".
 */
export function leaksIn(transcript: Transcript, registry: SecretRegistry): string[] {
  const found: string[] = [];
  const needles = [...registry.entries()];
  for (const [file, text] of transcript.logs) {
    for (const [value, { source, key }] of needles) {
      if (ROLE_ID_KEYS.has(key) && WORKLOAD_LOG.test(file)) continue;
      if (text.includes(value)) found.push(`${file}: ${source}`);
    }
  }
  for (const call of transcript.argv) {
    const allowed = (call.tool === "action-set" && SECRET_RETURNING_ACTIONS.has(call.run.replace(/^action /, ""))) || transcript.probeUnits.has(call.unit);
    if (allowed) continue;
    for (const [value, { source }] of needles) if (call.args.includes(value)) found.push(`argv of ${call.tool} in ${call.unit} ${call.run}: ${source}`);
  }
  return [...new Set(found)];
}
