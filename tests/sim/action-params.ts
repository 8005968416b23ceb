// Validating `run` parameters against actions.yaml's JSON schema, and filling defaults, before the
// action starts (Juju does this in the controller).
import type { ActionSpec } from "./types.js";

function typeOk(type: unknown, value: unknown): boolean {
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

/** `k=v` from the command line: numbers and booleans as YAML would read them, the rest strings. */
export function coerceParam(spec: Record<string, unknown> | undefined, raw: string): unknown {
  const type = spec?.type;
  if ((type === "integer" || type === "number") && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (type === "boolean" && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}

export function validateActionParams(name: string, spec: ActionSpec | undefined, params: Record<string, unknown>): Record<string, unknown> {
  if (!spec) throw new Error(`action "${name}" not defined on the charm`);
  const declared = spec.params ?? {};
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const schema = declared[key];
    if (!schema) {
      if (spec.additionalProperties === false) throw new Error(`validation failed: additional property "${key}" is not allowed`);
      result[key] = value;
      continue;
    }
    if (!typeOk(schema.type, value)) throw new Error(`validation failed: ${key}: expected ${String(schema.type)}`);
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
