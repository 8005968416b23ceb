// CIDR blocks as Vault takes them for bound_cidrs: parsing, and whether one block lies inside
// another (Vault answers a 500 when a secret_id's CIDRs are not within its role's, so the charm
// checks first and says what is wrong).
import { isIP } from "node:net";

interface Block {
  family: 4 | 6;
  /** The address as an unsigned integer. */
  base: bigint;
  prefix: number;
}

function addressValue(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  // Expand "::" and a trailing dotted IPv4 part into eight 16-bit groups.
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = addressValue(dotted[1]!, 4);
    text = text.slice(0, -dotted[1]!.length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function parseBlock(value: string): Block | null {
  const [address, bits, ...rest] = value.split("/");
  if (rest.length > 0 || address === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return null;
  const family = isIP(address);
  if (family !== 4 && family !== 6) return null;
  const prefix = Number(bits);
  if (prefix < 1 || prefix > (family === 4 ? 32 : 128)) return null;
  return { family, base: addressValue(address, family), prefix };
}

export function isCidr(value: string): boolean {
  return parseBlock(value) !== null;
}

/** Whether every address of `inner` is also in `outer` (both CIDRs; false when either is not). */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parseBlock(inner);
  const b = parseBlock(outer);
  if (!a || !b || a.family !== b.family || a.prefix < b.prefix) return false;
  const shift = BigInt((a.family === 4 ? 32 : 128) - b.prefix);
  return a.base >> shift === b.base >> shift;
}
