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
