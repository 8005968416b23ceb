// Addresses and CIDR blocks as Vault takes them for bound_cidrs. Everything a consumer writes is
// parsed strictly and put in one canonical form before Vault sees it: Vault (Go's net package)
// reads an IPv4-mapped IPv6 block such as ::ffff:0.0.0.0/96 as 0.0.0.0/0, answers 400 for a zone
// id (fe80::1%lo) and 500 for some mapped forms, so nothing but the canonical form may reach it.

export interface Block {
  family: 4 | 6;
  /** The network address (host bits cleared) as an unsigned integer. */
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;
const MAPPED_PREFIX = 0xffffn << 32n;

function ipv4Value(text: string): bigint | null {
  if (!IPV4.test(text)) return null;
  return text.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** Eight 16-bit groups, with "::" and a trailing dotted IPv4 part; no zone id, nothing else. */
function ipv6Value(text: string): bigint | null {
  if (text.length > 45 || !/^[0-9a-f:.]+$/i.test(text)) return null;
  let groupsText = text;
  let tail: bigint | null = null;
  const dotted = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail = ipv4Value(dotted[1]!);
    if (tail === null) return null;
    groupsText = `${text.slice(0, -dotted[1]!.length)}0:0`;
  }
  const halves = groupsText.split("::");
  if (halves.length > 2) return null;
  const split = (part: string) => (part === "" ? [] : part.split(":"));
  const left = split(halves[0]!);
  const right = halves.length === 2 ? split(halves[1]!) : [];
  const groups = halves.length === 2 ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right] : left;
  if (groups.length !== 8 || (halves.length === 2 && left.length + right.length > 7) || !groups.every((g) => HEX_GROUP.test(g))) return null;
  let value = groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
  if (tail !== null) value = (value & ~0xffffffffn) | tail;
  return value;
}

/** A single address, IPv4-mapped IPv6 folded into IPv4; null for anything not strictly an address. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | null {
  const v4 = ipv4Value(text);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = ipv6Value(text);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

/** A CIDR block in canonical form (mapped IPv6 as IPv4, host bits cleared); null when malformed. */
export function parseBlock(text: string): Block | null {
  const parts = text.split("/");
  if (parts.length !== 2 || !/^\d{1,3}$/.test(parts[1]!)) return null;
  let prefix = Number(parts[1]);
  let family: 4 | 6;
  let value = ipv4Value(parts[0]!);
  if (value !== null) {
    family = 4;
  } else {
    value = ipv6Value(parts[0]!);
    if (value === null) return null;
    family = 6;
    // Go's net package matches an IPv4 client against the mapped range of an IPv6 block, so ::/1
    // would admit every IPv4 address: a block wider than the mapped range and touching it is refused.
    if (prefix < 96 && overlapsMapped(value, prefix)) return null;
    if (value >> 32n === 0xffffn) {
      family = 4;
      value &= 0xffffffffn;
      prefix -= 96;
    }
  }
  if (prefix > BITS[family]) return null;
  const hostBits = BigInt(BITS[family] - prefix);
  return { family, base: (value >> hostBits) << hostBits, prefix };
}

/** Whether an IPv6 block of this prefix around `value` shares addresses with ::ffff:0:0/96. */
function overlapsMapped(value: bigint, prefix: number): boolean {
  const shift = BigInt(128 - prefix);
  return value >> shift === MAPPED_PREFIX >> shift;
}

function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  // RFC 5952: the longest run (two or more) of zero groups becomes "::", the first on a tie.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.start < 0) return hex.join(":");
  return `${hex.slice(0, best.start).join(":")}::${hex.slice(best.start + best.length).join(":")}`;
}

export function formatBlock(block: Block): string {
  if (block.family === 4) return `${[24n, 16n, 8n, 0n].map((s) => Number((block.base >> s) & 0xffn)).join(".")}/${block.prefix}`;
  return `${formatIpv6(block.base)}/${block.prefix}`;
}

/** The canonical form of a CIDR, or null when it is not one. */
export function canonicalCidr(text: string): string | null {
  const block = parseBlock(text);
  return block ? formatBlock(block) : null;
}

/** The single-address block of an address (/32 or /128), canonical; null when not an address. */
export function addressCidr(text: string): string | null {
  const address = parseAddress(text);
  return address ? formatBlock({ family: address.family, base: address.value, prefix: BITS[address.family] }) : null;
}

export function isCidr(value: string): boolean {
  return parseBlock(value) !== null;
}

/** Whether every address of `inner` is also in `outer` (both CIDRs; false when either is not). */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parseBlock(inner);
  const b = parseBlock(outer);
  if (!a || !b || a.family !== b.family || a.prefix < b.prefix) return false;
  const shift = BigInt(BITS[a.family] - b.prefix);
  return a.base >> shift === b.base >> shift;
}

/** How many addresses of each family a set of blocks covers together (overlaps counted once). */
export function coveredAddresses(blocks: Block[]): Record<4 | 6, bigint> {
  const result: Record<4 | 6, bigint> = { 4: 0n, 6: 0n };
  for (const family of [4, 6] as const) {
    const ranges = blocks
      .filter((b) => b.family === family)
      .map((b) => ({ start: b.base, end: b.base + (1n << BigInt(BITS[family] - b.prefix)) }))
      .sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
    let end = -1n;
    for (const range of ranges) {
      if (range.end <= end) continue;
      result[family] += range.end - (range.start > end ? range.start : end);
      end = range.end;
    }
  }
  return result;
}

export interface BreadthLimit {
  /** The shortest prefix allowed for IPv4 (8: no block, or set of blocks, wider than a /8). */
  ipv4: number;
  ipv6: number;
}

/** Why a set of CIDRs is wider than the limit allows, or null when it is within it. */
export function breadthProblem(cidrs: string[], limit: BreadthLimit): string | null {
  const blocks = cidrs.map((c) => parseBlock(c)).filter((b): b is Block => b !== null);
  const covered = coveredAddresses(blocks);
  for (const family of [4, 6] as const) {
    const prefix = family === 4 ? limit.ipv4 : limit.ipv6;
    const allowed = 1n << BigInt(BITS[family] - prefix);
    if (covered[family] > allowed) return `the IPv${family} CIDRs together cover more addresses than one /${prefix} (the limit set by kv-bind-min-prefix-ipv${family})`;
  }
  return null;
}
