// What a KV action points at: `<mount>/<path>` or a reference `vault.secret(<vault>:<mount>/<path>.<key>)`
// (seed 003). Parsing is strict and pure: a target that does not parse never reaches Vault.

export class KvTargetError extends Error {}

export interface KvTarget {
  /** The configured Vault a reference names (`local` or `external`); null for a plain path. */
  vaultName: string | null;
  mount: string;
  /** The entry (or, for kv-list, folder) path inside the mount, without a leading slash. */
  path: string;
  /** The one key a reference names; null when it names the whole entry. */
  key: string | null;
}

const REFERENCE = /^vault\.secret\((.*)\)$/s;
const VAULT_NAME = /^[a-z][a-z0-9-]{0,30}$/;
const MOUNT = /^[a-z0-9][a-z0-9-]{0,126}[a-z0-9]$/;
/** Path segments: no empty, `.` or `..` segment can be formed, and no characters Vault treats specially. */
const SEGMENT = /^[A-Za-z0-9_@+-][A-Za-z0-9_.@+-]{0,127}$/;
const KEY = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_LENGTH = 1024;
const MAX_SEGMENTS = 16;

function describe(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** `mount/a/b` -> mount and path; `folder` allows a trailing slash or an empty path (kv-list). */
function splitPath(text: string, folder: boolean): { mount: string; path: string } {
  const slash = text.indexOf("/");
  const mount = slash < 0 ? text : text.slice(0, slash);
  let rest = slash < 0 ? "" : text.slice(slash + 1);
  if (!MOUNT.test(mount)) throw new KvTargetError(`${describe(mount)} is not a mount name (lowercase letters, digits and dashes)`);
  if (folder && rest.endsWith("/")) rest = rest.slice(0, -1);
  if (rest === "") {
    if (folder) return { mount, path: "" };
    throw new KvTargetError(`${describe(text)} names a mount but no entry: use <mount>/<path>`);
  }
  const segments = rest.split("/");
  if (segments.length > MAX_SEGMENTS) throw new KvTargetError(`${describe(text)} is deeper than ${MAX_SEGMENTS} levels`);
  const bad = segments.find((segment) => !SEGMENT.test(segment));
  if (bad !== undefined) {
    throw new KvTargetError(`path segment ${describe(bad)} is not allowed (letters, digits, _ . @ + -; no empty, "." or ".." segments)`);
  }
  return { mount, path: segments.join("/") };
}

function parseReference(body: string): KvTarget {
  const colon = body.indexOf(":");
  if (colon < 0) throw new KvTargetError("a reference is vault.secret(<vault>:<mount>/<path>.<key>): the <vault>: part is missing");
  const vaultName = body.slice(0, colon);
  if (!VAULT_NAME.test(vaultName)) throw new KvTargetError(`${describe(vaultName)} is not a Vault name (local or external)`);
  let text = body.slice(colon + 1);
  // The key follows the last dot of the last segment; entry names with dots need a key to be referenced.
  const lastSegmentStart = text.lastIndexOf("/") + 1;
  const dot = text.lastIndexOf(".");
  let key: string | null = null;
  if (lastSegmentStart > 0 && dot >= lastSegmentStart) {
    key = text.slice(dot + 1);
    text = text.slice(0, dot);
    if (!KEY.test(key)) throw new KvTargetError(`${describe(key)} is not a key name (letters, digits, _ and -)`);
  }
  return { vaultName, ...splitPath(text, false), key };
}

/**
 * Parses an action's `path` parameter. `folder` is for kv-list, where the path may end in `/` or
 * be just the mount. References name an entry (and usually a key), never a folder.
 */
export function parseKvTarget(input: string, options: { folder?: boolean } = {}): KvTarget {
  const text = input.trim();
  if (text === "") throw new KvTargetError("path is empty");
  if (text.length > MAX_LENGTH) throw new KvTargetError(`path is longer than ${MAX_LENGTH} characters`);
  if (/[\s\\]/.test(text)) throw new KvTargetError(`${describe(text)} contains whitespace or a backslash`);
  const reference = REFERENCE.exec(text);
  if (reference) {
    if (options.folder) throw new KvTargetError("a vault.secret(...) reference names an entry, not a folder to list");
    return parseReference(reference[1]!);
  }
  if (text.startsWith("vault.secret")) throw new KvTargetError(`${describe(text)} is not a reference like vault.secret(local:charm-app/db.password)`);
  if (text.startsWith("/")) throw new KvTargetError(`${describe(text)} starts with "/": use <mount>/<path>`);
  return { vaultName: null, ...splitPath(text, options.folder ?? false), key: null };
}

/** `1,2, 3` -> [1, 2, 3]: positive integers, no duplicates, at most 100. */
/**
 * `versions` as `juju run` delivers it: it reads each value as YAML, so `versions=2` arrives as the
 * number 2, `versions=[1,2]` as a list and `versions=1,2` as the text "1,2" (and `--string-args`
 * keeps every value text). Each form gives the same sorted, distinct version numbers.
 */
export function parseVersions(value: unknown): number[] {
  const parts = versionParts(value);
  if (parts.length === 0) throw new KvTargetError("versions is empty: give comma-separated version numbers like 1,2");
  if (parts.length > 100) throw new KvTargetError("at most 100 versions at a time");
  const versions = parts.map((part) => {
    if (!/^[1-9]\d{0,8}$/.test(part)) throw new KvTargetError(`version ${describe(part)} is not a positive whole number`);
    return Number(part);
  });
  return [...new Set(versions)].sort((a, b) => a - b);
}

function versionParts(value: unknown): string[] {
  if (typeof value === "number") return [String(value)];
  if (typeof value === "string") return value.split(",").map((part) => part.trim()).filter(Boolean);
  if (Array.isArray(value)) {
    return value.map((item, index) => {
      if (typeof item === "number" || typeof item === "string") return String(item).trim();
      throw new KvTargetError(`versions item ${index + 1} is not a version number`);
    });
  }
  throw new KvTargetError("versions must be a version number, a list of them, or comma-separated numbers like 1,2");
}

const PAIR_KEY = /^[A-Za-z0-9_.-]{1,128}$/;
export const MAX_DATA_BYTES = 512 * 1024;

/**
 * kv-put's `data` as `juju run` delivers it: a map (it reads `data='{"user":"app"}'` as YAML, so a
 * JSON object arrives as a map), or text (with `--string-args`, or key=value pairs separated by
 * spaces, values without spaces), where text starting with { is read as JSON.
 */
export function parseKvData(value: unknown): Record<string, unknown> {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return checkedMap(value as Record<string, unknown>);
  if (typeof value !== "string") throw new KvTargetError("data must be a map (JSON object) or key=value pairs");
  const trimmed = value.trim();
  if (trimmed === "") throw new KvTargetError("data is empty: give a JSON object or key=value pairs");
  if (Buffer.byteLength(trimmed) > MAX_DATA_BYTES) throw new KvTargetError(`data is larger than ${MAX_DATA_BYTES / 1024} KiB`);
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      // JSON.parse's message can quote the input, which may be a secret: say only where it failed.
      throw new KvTargetError("data starts with { but is not valid JSON");
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new KvTargetError("data must be a JSON object");
    return checkedMap(parsed as Record<string, unknown>);
  }
  const result: Record<string, unknown> = {};
  for (const [index, pair] of trimmed.split(/\s+/).entries()) {
    const eq = pair.indexOf("=");
    // Never echo a value, nor an item without "=": either may be the secret itself.
    if (eq <= 0) throw new KvTargetError(`data item ${index + 1} is not key=value (use JSON for values with spaces)`);
    const key = pair.slice(0, eq);
    if (!PAIR_KEY.test(key)) throw new KvTargetError(`data item ${index + 1}: key ${describe(key)} may hold only letters, digits, _ . -`);
    if (key in result) throw new KvTargetError(`data names key ${describe(key)} twice`);
    result[key] = pair.slice(eq + 1);
  }
  return result;
}

function checkedMap(map: Record<string, unknown>): Record<string, unknown> {
  if (Object.keys(map).length === 0) throw new KvTargetError("data is an empty JSON object");
  if (Buffer.byteLength(JSON.stringify(map)) > MAX_DATA_BYTES) throw new KvTargetError(`data is larger than ${MAX_DATA_BYTES / 1024} KiB`);
  return map;
}
