// The operator's `vault-auth` secret for external-Vault mode: a token, or an AppRole pair (role-id,
// secret-id, optionally the AppRole mount). Parsed strictly; reasons never quote the values.

export type ExternalCredentials =
  | { kind: "token"; token: string }
  | { kind: "approle"; roleId: string; secretId: string; mount: string };

export type ParsedCredentials = { ok: true; credentials: ExternalCredentials } | { ok: false; reason: string };

const TOKEN = /^[A-Za-z0-9._-]{8,512}$/;
const APPROLE_ID = /^[A-Za-z0-9-]{8,128}$/;
const MOUNT = /^[a-z0-9][a-z0-9_-]{0,62}(?:\/[a-z0-9][a-z0-9_-]{0,62}){0,3}$/;

export function parseExternalCredentials(content: Record<string, string>): ParsedCredentials {
  const { token, "role-id": roleId, "secret-id": secretId, "approle-mount": mount = "approle" } = content;
  if (token !== undefined && (roleId !== undefined || secretId !== undefined)) {
    return { ok: false, reason: "the vault-auth secret holds both token and role-id/secret-id: keep one kind" };
  }
  if (token !== undefined) {
    if (!TOKEN.test(token.trim())) return { ok: false, reason: "the vault-auth secret's token is not a Vault token" };
    return { ok: true, credentials: { kind: "token", token: token.trim() } };
  }
  if (roleId === undefined || secretId === undefined) {
    return { ok: false, reason: "the vault-auth secret needs a token field, or role-id and secret-id fields" };
  }
  if (!APPROLE_ID.test(roleId.trim()) || !APPROLE_ID.test(secretId.trim())) {
    return { ok: false, reason: "the vault-auth secret's role-id or secret-id is not an AppRole id" };
  }
  if (!MOUNT.test(mount.trim())) return { ok: false, reason: "the vault-auth secret's approle-mount is not a mount path" };
  return { ok: true, credentials: { kind: "approle", roleId: roleId.trim(), secretId: secretId.trim(), mount: mount.trim() } };
}
