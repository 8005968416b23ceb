// Unseal keys from the operator's `unseal-keys` secret. The charm reads them only to submit them to
// its own Vault; it never writes them anywhere.

const SHARE = /^[A-Za-z0-9+/=_-]{16,256}$/;

export type ParsedKeys = { ok: true; keys: string[] } | { ok: false; reason: string };

/** The secret's `keys` field: shares separated by commas, spaces or newlines. */
export function parseUnsealKeys(content: Record<string, string>): ParsedKeys {
  const field = content.keys;
  if (field === undefined) return { ok: false, reason: 'the unseal-keys secret has no "keys" field' };
  const keys = field.split(/[\s,]+/).filter(Boolean);
  if (keys.length === 0) return { ok: false, reason: 'the unseal-keys secret\'s "keys" field is empty' };
  if (keys.length > 10) return { ok: false, reason: "the unseal-keys secret holds more than 10 shares" };
  if (!keys.every((key) => SHARE.test(key))) return { ok: false, reason: "the unseal-keys secret holds a value that is not an unseal key share" };
  return { ok: true, keys: [...new Set(keys)] };
}

/** A share's bytes, from the hex or base64 Vault prints at init (it accepts either at unseal). */
function shareBytes(key: string): Buffer | null {
  if (/^[0-9a-f]+$/i.test(key) && key.length % 2 === 0) return Buffer.from(key, "hex");
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(key) && key.length % 4 === 0) return Buffer.from(key, "base64");
  return null;
}

/**
 * What can be known about shares without sealing Vault: each decodes to a share of a 32-byte root
 * key (33 bytes, the last its Shamir x-coordinate; with a single share the key itself, 32 bytes), the
 * x-coordinates differ, and there are at least `threshold` of them. null when they pass; else why not.
 */
export function checkSharesAgainst(keys: string[], seal: { threshold: number; shares: number }): string | null {
  const expected = seal.shares === 1 ? 32 : 33;
  const coordinates = new Set<number>();
  for (const [index, key] of keys.entries()) {
    const bytes = shareBytes(key);
    if (!bytes || bytes.length !== expected) return `share ${index + 1} is not an unseal key share of this Vault (expected ${expected} bytes, base64 or hex)`;
    if (expected === 33) coordinates.add(bytes[32]!);
  }
  const distinct = expected === 33 ? coordinates.size : keys.length;
  if (distinct < seal.threshold) return `it holds ${distinct} distinct share(s); this Vault needs ${seal.threshold} of its ${seal.shares}`;
  return null;
}
