// Parsing what vault-kv requirers write. Every value is untrusted: a request is either fully valid
// or rejected with a reason naming the unit, and nothing is created for it.
import { addressCidr, breadthProblem, canonicalCidr, type BreadthLimit } from "../../cidr.js";

export type Parsed<T> = { kind: "valid"; request: T } | { kind: "incomplete" } | { kind: "invalid"; reason: string };

/** Values larger than this are refused before any parsing. */
const MAX_VALUE_LENGTH = 4096;
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const UNIT_NAME = /^[a-z][a-z0-9-]*\/\d{1,6}$/;
const LEGACY_UNIT_NAME = new RegExp(`^(?:${UUID}-)?([a-z][a-z0-9-]*\\/\\d{1,6})$`);
const BACKEND = /^[a-z0-9][a-z0-9-]{0,126}[a-z0-9]$/;
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const MOUNT_SUFFIX = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
/** Canonical's library recommends a hex nonce but its provider takes any: a uuid4 with dashes is common. */
const NONCE = /^[\x21-\x7e]{1,128}$/;
/** charm-helpers' relation_set(isolated=True) sends Python's str(True), not JSON. */
const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false };

/** Legacy requirers JSON-encode every value; some write raw strings. Accept both (vault-charms.md §1.2). */
export function jsonOrRaw(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function text(bag: Record<string, string>, key: string): string | undefined | Error {
  const raw = bag[key];
  if (raw === undefined || raw === "") return undefined;
  if (raw.length > MAX_VALUE_LENGTH) return new Error(`${key} is longer than ${MAX_VALUE_LENGTH} characters`);
  const value = jsonOrRaw(raw);
  if (typeof value !== "string") return new Error(`${key} must be a string`);
  return value;
}

export interface LegacyRequest {
  /** Juju's name of the requirer unit. */
  unit: string;
  /** The requirer's own unit_name, used verbatim in the credential keys. */
  unitName: string;
  backend: string;
  hostname: string;
  isolated: boolean;
  /** access_address as its single-address block, canonical. */
  accessCidr: string;
  /** Every block the credentials are bound to: the access address and the unit's egress subnets. */
  cidrs: string[];
}

export interface RequestLimits {
  breadth: BreadthLimit;
}

/** The unit's egress subnets as Juju wrote them in its bag (the unit could rewrite them: checked too). */
function egressSubnets(bag: Record<string, string>): string[] | Error {
  const listed = (bag["egress-subnets"] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (listed.length > 32) return new Error("egress-subnets lists more than 32 CIDRs");
  const canonical = listed.map((c) => canonicalCidr(c));
  const bad = canonical.indexOf(null);
  if (bad >= 0) return new Error(`egress-subnets ${JSON.stringify(listed[bad]!.slice(0, 50))} is not a CIDR`);
  return canonical as string[];
}

function parseBoolean(raw: string): boolean | undefined {
  const value = jsonOrRaw(raw);
  if (typeof value === "boolean") return value;
  return typeof value === "string" ? BOOLEAN_WORDS[value.toLowerCase()] : undefined;
}

export function parseLegacyRequest(unit: string, bag: Record<string, string>, limits: RequestLimits): Parsed<LegacyRequest> {
  const fail = (reason: string): Parsed<LegacyRequest> => ({ kind: "invalid", reason: `${unit}: ${reason}` });
  const backend = text(bag, "secret_backend");
  const hostname = text(bag, "hostname");
  const accessAddress = text(bag, "access_address");
  const unitName = text(bag, "unit_name");
  for (const value of [backend, hostname, accessAddress, unitName]) if (value instanceof Error) return fail(value.message);
  if (backend === undefined) return { kind: "incomplete" };
  if (!(backend as string).startsWith("charm-")) {
    return fail(`secret_backend ${JSON.stringify((backend as string).slice(0, 64))} does not start with "charm-"`);
  }
  if (!BACKEND.test(backend as string)) return fail("secret_backend may only hold lowercase letters, digits and dashes");
  if (hostname === undefined || accessAddress === undefined) return { kind: "incomplete" };
  if (!HOSTNAME.test(hostname as string)) return fail("hostname is not a valid host name");
  const accessCidr = addressCidr(accessAddress as string);
  if (!accessCidr) return fail("access_address is not an IP address (no zone id, no leading zeros)");
  const claimed = (unitName as string | undefined) ?? unit;
  const match = LEGACY_UNIT_NAME.exec(claimed);
  // A unit may only ask for credentials under its own name, never another unit's.
  if (!match || match[1] !== unit) return fail(`unit_name ${JSON.stringify(claimed.slice(0, 100))} does not name ${unit}`);
  let isolated = true;
  if (bag.isolated !== undefined && bag.isolated !== "") {
    const value = parseBoolean(bag.isolated);
    if (value === undefined) return fail("isolated must be true or false");
    isolated = value;
  }
  const egress = egressSubnets(bag);
  if (egress instanceof Error) return fail(egress.message);
  const cidrs = [...new Set([accessCidr, ...egress])].sort();
  const wide = breadthProblem(cidrs, limits.breadth);
  if (wide) return fail(`access_address and egress-subnets: ${wide}`);
  return {
    kind: "valid",
    request: { unit, unitName: claimed, backend: backend as string, hostname: hostname as string, isolated, accessCidr, cidrs },
  };
}

export interface V0Request {
  unit: string;
  app: string;
  mountSuffix: string;
  nonce: string;
  egressSubnets: string[];
}

export function parseV0Request(unit: string, appBag: Record<string, string>, unitBag: Record<string, string>, limits: RequestLimits): Parsed<V0Request> {
  const fail = (reason: string): Parsed<V0Request> => ({ kind: "invalid", reason: `${unit}: ${reason}` });
  if (!UNIT_NAME.test(unit)) return fail("not a unit name");
  const app = unit.slice(0, unit.indexOf("/"));
  const mountSuffix = appBag.mount_suffix;
  const nonce = unitBag.nonce;
  const egress = unitBag.egress_subnet;
  if (!mountSuffix || !nonce || !egress) return { kind: "incomplete" };
  if (!MOUNT_SUFFIX.test(mountSuffix)) return fail("mount_suffix may only hold lowercase letters, digits and dashes (at most 40)");
  if (!NONCE.test(nonce)) return fail("nonce must be 1 to 128 printable characters without spaces");
  if (egress.length > MAX_VALUE_LENGTH) return fail(`egress_subnet is longer than ${MAX_VALUE_LENGTH} characters`);
  const egressSubnets = egress.split(",").map((s) => s.trim()).filter(Boolean);
  if (egressSubnets.length === 0 || egressSubnets.length > 32) return fail("egress_subnet must list 1 to 32 CIDRs");
  const canonical = egressSubnets.map((cidr) => canonicalCidr(cidr));
  const bad = canonical.indexOf(null);
  if (bad >= 0) return fail(`egress_subnet ${JSON.stringify(egressSubnets[bad]!.slice(0, 50))} is not a CIDR`);
  const wide = breadthProblem(canonical as string[], limits.breadth);
  if (wide) return fail(`egress_subnet: ${wide}`);
  return { kind: "valid", request: { unit, app, mountSuffix, nonce, egressSubnets: [...new Set(canonical as string[])].sort() } };
}

export type Dialect = "legacy" | "v0";

/** A relation speaks v0 when its app bag has mount_suffix or a unit sent a nonce; legacy when a unit sent secret_backend. */
export function detectDialect(appBag: Record<string, string>, unitBags: Record<string, string>[]): Dialect | null {
  if (appBag.mount_suffix || unitBags.some((bag) => bag.nonce)) return "v0";
  if (unitBags.some((bag) => bag.secret_backend)) return "legacy";
  return null;
}
