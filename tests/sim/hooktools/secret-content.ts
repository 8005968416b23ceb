// Secret identifiers and content parsing shared by the secret tools (juju-runtime.md §2.3).
import { randomInt } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ToolError, usage } from "./context.js";
import { yamlMap } from "./basic.js";

export const SECRET_KEY = /^([a-z](?:-?[a-z0-9]){2,})$/;
const XID = /^[0-9a-v]{20}$/;
const MAX_CONTENT_BYTES = 1024 * 1024;
export const ROTATE_POLICIES = ["never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly"];

export function newSecretId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  return Array.from({ length: 20 }, () => alphabet[randomInt(32)]).join("");
}

/** `secret:<id>`, `secret://<model>/<id>` or a bare id -> the bare id. */
export function parseSecretId(raw: string): string {
  const id = raw.startsWith("secret://") ? raw.slice(raw.lastIndexOf("/") + 1) : raw.startsWith("secret:") ? raw.slice(7) : raw;
  if (!XID.test(id)) throw usage(`secret URI "${raw}" not valid`);
  return id;
}

export function secretUri(modelUuid: string, id: string): string {
  return `secret://${modelUuid}/${id}`;
}

/** key=value, key#base64=value, key#file=path (read now) and --file YAML -> key -> base64. */
export function parseContent(pairs: string[], file: string | undefined, cwd: string, stdin: string, limits = { perValue: MAX_CONTENT_BYTES, total: MAX_CONTENT_BYTES }): Record<string, string> {
  const content: Record<string, string> = {};
  if (file !== undefined) {
    const text = file === "-" ? stdin : readFileSync(resolve(cwd, file), "utf8");
    for (const [k, v] of Object.entries(yamlMap(text, "--file"))) content[k] = Buffer.from(v).toString("base64");
  }
  for (const pair of pairs) {
    const eq = pair.replace(/=+$/, "").indexOf("=");
    if (eq <= 0) throw usage(`invalid key/value pair "${pair.split("=")[0]}"`);
    let key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let encoded: string;
    if (key.endsWith("#base64")) {
      key = key.slice(0, -7);
      encoded = value;
    } else if (key.endsWith("#file")) {
      key = key.slice(0, -5);
      const path = resolve(cwd, value);
      if (statSync(path).size > MAX_CONTENT_BYTES) throw new ToolError(`secret content in file "${value}" too large`);
      encoded = readFileSync(path).toString("base64");
    } else {
      encoded = Buffer.from(value).toString("base64");
    }
    content[key] = encoded;
  }
  for (const key of Object.keys(content)) if (!SECRET_KEY.test(key)) throw usage(`key "${key}" not valid`);
  // juju-version.ts secretSizeLimits: by the model's Juju version.
  for (const [key, value] of Object.entries(content)) if (value.length > limits.perValue) throw new ToolError(`secret content for key "${key}" too large: ${value.length} bytes`);
  const total = Object.values(content).reduce((n, v) => n + v.length, 0);
  if (total > limits.total) throw new ToolError(`secret content too large: ${total} bytes`);
  return content;
}

const DURATION = /^(\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))+$/;

/** --expire: RFC3339, a local time, or a Go duration from now. Returns an ISO time. */
export function parseExpire(value: string, now: Date): string {
  if (DURATION.test(value)) {
    let ms = 0;
    for (const [, n, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/g)) {
      ms += Number(n) * { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as "s"];
    }
    if (ms <= 0) throw new ToolError("negative expire duration");
    return new Date(now.getTime() + ms).toISOString();
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new ToolError(`expire time or duration "${value}" not valid`);
  return new Date(time).toISOString();
}

export function nextRotation(policy: string, from: Date): string | undefined {
  const d = new Date(from);
  switch (policy) {
    case "never":
      return undefined;
    case "hourly":
      return new Date(d.getTime() + 3_600_000).toISOString();
    case "daily":
      return new Date(d.getTime() + 86_400_000).toISOString();
    case "weekly":
      return new Date(d.getTime() + 7 * 86_400_000).toISOString();
    case "monthly":
      d.setUTCMonth(d.getUTCMonth() + 1);
      return d.toISOString();
    case "quarterly":
      d.setUTCMonth(d.getUTCMonth() + 3);
      return d.toISOString();
    case "yearly":
      d.setUTCFullYear(d.getUTCFullYear() + 1);
      return d.toISOString();
    default:
      throw new ToolError(`rotate policy "${policy}" not valid`);
  }
}
