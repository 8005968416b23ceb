// One normal form per kind of field the charm compares with what Vault (or OpenBao) answers, so
// "what we want" and "what is there" are compared in the same words. Vault echoes most fields in
// a form other than the one it was given (a /32 CIDR comes back as a bare address, "1h" as 3600,
// "2" as a mount option string), and every such difference would otherwise turn a hook with
// nothing to change into a write (issue 19). The fixtures in tests/fixtures/vault-responses/ are
// real answers of each server; tests/unit/normalise.test.ts pins each form against them.

/** Host bits Vault drops from a single-address block when it echoes a bound CIDR. */
const FULL_PREFIX = { 4: 32, 6: 128 } as const;

function ipv4(text: string): string | null {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number).join(".");
}

/** Eight lower-case groups without leading zeros, "::" for the longest run of zero groups (RFC 5952). */
function ipv6(text: string): string | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split("::").length > 2) return null;
  let body = text.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted) {
    const v4 = ipv4(dotted[1]!);
    if (!v4) return null;
    const [a, b, c, d] = v4.split(".").map(Number) as [number, number, number, number];
    body = `${body.slice(0, -dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = body.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  if (groups.length !== 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  const short = groups.map((g) => parseInt(g, 16).toString(16));
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && short[j] === "0") j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return short.join(":");
  return `${short.slice(0, best.at).join(":")}::${short.slice(best.at + best.length).join(":")}`;
}

/**
 * A bound CIDR as "<address>/<prefix>", the prefix made explicit: Vault answers "127.0.0.5" for
 * "127.0.0.5/32" (and a bare IPv6 address for /128). Text that is not an address is kept as is
 * (trimmed), so it can never compare equal to a real block.
 */
export function normaliseCidr(value: string): string {
  const text = value.trim();
  const [address = "", bits, ...rest] = text.split("/");
  if (rest.length > 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) return text;
  const v4 = ipv4(address);
  const family = v4 ? 4 : ipv6(address) ? 6 : null;
  if (!family) return text;
  const prefix = bits === undefined ? FULL_PREFIX[family] : Number(bits);
  if (prefix > FULL_PREFIX[family]) return text;
  return `${v4 ?? ipv6(address)}/${prefix}`;
}

/** A set of bound CIDRs: each normalised, duplicates dropped, order ignored. */
export function normaliseCidrs(values: readonly string[]): string[] {
  return [...new Set(values.map(normaliseCidr))].sort();
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * A duration in whole seconds. Vault answers numbers of seconds (role TTLs, mount tunes) and takes
 * Go durations ("1h30m"), bare seconds ("3600") or numbers; "" and 0 both mean "not set" (the
 * system default). NaN for text that is none of these, so it never equals a real value.
 */
export function normaliseDuration(value: string | number | null | undefined): number {
  if (value === null || value === undefined || value === "") return 0;
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? Math.floor(value) : Number.NaN;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d))+$/.test(text)) return Number.NaN;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/g)) total += Number(amount) * DURATION_UNITS[unit!]!;
  return Math.floor(total);
}

/**
 * A list of policy names as Vault keeps it: trimmed, lower-cased (Vault lower-cases policy names),
 * empty entries and duplicates dropped, order ignored.
 */
export function normalisePolicies(values: readonly string[]): string[] {
  return [...new Set(values.map((v) => v.trim().toLowerCase()).filter((v) => v !== ""))].sort();
}

/** A boolean Vault may echo as a JSON boolean or as text ("true", "1"). null when neither. */
export function normaliseBoolean(value: unknown): boolean | null {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value !== "string") return null;
  const text = value.trim().toLowerCase();
  if (["true", "1", "t", "yes"].includes(text)) return true;
  if (["false", "0", "f", "no", ""].includes(text)) return false;
  return null;
}

/**
 * Policy HCL as stored text: Vault returns the text it was given, but a policy written by hand or
 * by an earlier version may differ in line endings and trailing blanks, which do not change it.
 */
export function normaliseHcl(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.replace(/[ \t]+$/, ""))
    .join("\n")
    .trim();
}

/** A mount's option value (e.g. kv "version"), which Vault keeps as text; an absent version is 1. */
export function normaliseMountVersion(value: unknown): string {
  if (value === undefined || value === null || value === "") return "1";
  return String(value).trim();
}

/** Two lists compared as sets of already-normalised values. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sorted = [...b].sort();
  return [...a].sort().every((v, i) => v === sorted[i]);
}
