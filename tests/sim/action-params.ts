// Validating `run` parameters against actions.yaml's JSON schema, and filling defaults, before the
// action starts (Juju does this in the controller).
import { parse as parseYaml } from "yaml";
import type { ActionSpec } from "./types.js";

/** JSON schema `type`, one name or a list of them (draft 4, which Juju's gojsonschema implements). */
function typeOk(type: unknown, value: unknown): boolean {
  if (Array.isArray(type)) return type.some((t) => typeOk(t, value));
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return true;
  }
}

/**
 * `juju run <unit> <action> k=v ...` as cmd/juju/action/run.go builds the parameters: `--params
 * <file.yaml>` first, then each `k=v` on top; a dotted key nests (a.b=1 -> {a: {b: 1}}); each value
 * is read as YAML (yaml.v2, so YAML 1.1: `1` an int, `false` and `yes` booleans, `{...}` a map,
 * `1,2` a string) unless `--string-args`, which keeps every value a string.
 */
export function parseRunArgs(pairs: string[], options: { stringArgs?: boolean; paramsYaml?: string } = {}): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (options.paramsYaml !== undefined) {
    const loaded = parseYaml(options.paramsYaml, { version: "1.1" }) as unknown;
    if (loaded !== null && loaded !== undefined) {
      if (typeof loaded !== "object" || Array.isArray(loaded)) throw new Error("--params: expected a YAML map");
      Object.assign(params, loaded);
    }
  }
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`argument "${pair}" must be of the form key.key...=value`);
    const path = pair.slice(0, eq).split(".");
    const raw = pair.slice(eq + 1);
    const value = options.stringArgs ? raw : (parseYaml(raw, { version: "1.1" }) as unknown);
    let node = params;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      node = (next && typeof next === "object" && !Array.isArray(next) ? next : (node[segment] = {})) as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value ?? null;
  }
  return params;
}

export function validateActionParams(name: string, spec: ActionSpec | undefined, params: Record<string, unknown>): Record<string, unknown> {
  if (!spec) throw new Error(`action "${name}" not defined on the charm`);
  const declared = spec.params ?? {};
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const schema = declared[key];
    if (!schema) {
      // internal/charm/actions.go: additionalProperties is false unless the charm says true.
      if (spec.additionalProperties !== true) throw new Error(`validation failed: additional property "${key}" is not allowed`);
      result[key] = value;
      continue;
    }
    const items = schema.items as { type?: unknown } | undefined;
    if (Array.isArray(value) && items?.type !== undefined && !value.every((item) => typeOk(items.type, item))) throw new Error(`validation failed: ${key}: items must be ${String(items.type)}`);
    if (!typeOk(schema.type, value)) throw new Error(`validation failed: ${key}: expected ${String(schema.type)}, given ${value === null ? "null" : Array.isArray(value) ? "array" : typeof value}`);
    if (typeof value === "number" && typeof schema.minimum === "number" && value < schema.minimum) throw new Error(`validation failed: ${key}: must be >= ${schema.minimum}`);
    if (typeof value === "number" && typeof schema.maximum === "number" && value > schema.maximum) throw new Error(`validation failed: ${key}: must be <= ${schema.maximum}`);
    result[key] = value;
  }
  for (const required of spec.required ?? []) {
    if (!(required in result)) throw new Error(`validation failed: missing required property "${required}"`);
  }
  for (const [key, schema] of Object.entries(declared)) if (!(key in result) && "default" in schema) result[key] = schema.default;
  return result;
}
