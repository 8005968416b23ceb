// The charm's session on an external Vault (external-Vault mode, seed 003): authenticate with the
// operator's `vault-auth` secret, keep the token alive across hooks (renew before it expires, log in
// again with the AppRole when renewal is no longer possible), and check permissions up front.
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Authorisation } from "../authorization.js";
import { charmPolicyRules } from "../authorization.js";
import type { Hook } from "../hook.js";
import { readGrantedSecret } from "../secrets/read.js";
import { blocked, type Verdict } from "../status.js";
import { login } from "../vault/approle.js";
import type { VaultClient } from "../vault/client.js";
import { VaultPermissionDeniedError, VaultRequestError } from "../vault/errors.js";
import { readFileOrNull, writeFileIfChanged } from "../vault/files.js";
import { vaultPaths } from "../vault/paths.js";
import { capabilitiesSelf, listAuthMethods, lookupSelf, renewSelf, type TokenInfo } from "../vault/sys.js";
import { parseExternalCredentials, type ExternalCredentials } from "./credentials.js";

const refusedAuth = (verdict: Verdict): Authorisation => ({ client: null, verdicts: [verdict] });

function readCredentials(hook: Hook): { credentials: ExternalCredentials } | { verdict: Verdict } {
  const uri = hook.config.vaultAuthSecret;
  if (!uri) return { verdict: blocked("External Vault: set vault-auth to a secret holding a token, or role-id and secret-id") };
  // The tracked revision; the newest (refreshed) on secret-changed for it.
  const content = readGrantedSecret(hook, { id: uri });
  if (!content) return { verdict: blocked(`External Vault: cannot read the vault-auth secret (run juju grant-secret <name> ${hook.juju.appName})`) };
  const parsed = parseExternalCredentials(content);
  return parsed.ok ? { credentials: parsed.credentials } : { verdict: blocked(`External Vault: ${parsed.reason}`) };
}

/** Renews a token past half its life, so a token with a short TTL outlives the gaps between hooks. */
async function keepAlive(hook: Hook, client: VaultClient, info: TokenInfo, what: string): Promise<void> {
  if (info.ttl === 0 || info.ttl * 2 > info.creationTtl) return;
  if (!hook.config.autoRenew) {
    hook.log.info(`${what} (accessor ${info.accessor}) has ${info.ttl}s left; auto-renew is off`);
    return;
  }
  if (!info.renewable) {
    hook.log.warn(`${what} (accessor ${info.accessor}) has ${info.ttl}s left and cannot be renewed`);
    return;
  }
  const granted = await renewSelf(client, info.creationTtl);
  hook.log.info(`renewed ${what} (accessor ${info.accessor}): ${granted}s left`);
  if (granted < info.creationTtl) hook.log.warn(`${what} reaches its maximum TTL in ${granted}s`);
}

/** The AppRole login token kept between hooks (mode 0600), tied to the credentials that made it. */
interface CachedLogin {
  credentials: string;
  token: string;
}

function cacheFile(): string {
  return join(vaultPaths().charmState, "external-login.json");
}

/** A one-way digest, so the cache can tell whether vault-auth changed without holding the secret-id. */
function credentialsDigest(c: Extract<ExternalCredentials, { kind: "approle" }>): string {
  return createHash("sha256").update(`${c.mount}\0${c.roleId}\0${c.secretId}`).digest("hex");
}

function readCachedLogin(): CachedLogin | null {
  try {
    const parsed = JSON.parse(readFileOrNull(cacheFile()) ?? "null") as Partial<CachedLogin> | null;
    return typeof parsed?.token === "string" && typeof parsed.credentials === "string" ? (parsed as CachedLogin) : null;
  } catch {
    return null;
  }
}

/** Tokens about to expire are not worth reusing: the hook could outlive them. */
const MIN_TTL_TO_REUSE = 15;

async function appRoleSession(hook: Hook, vault: VaultClient, c: Extract<ExternalCredentials, { kind: "approle" }>): Promise<Authorisation> {
  const digest = credentialsDigest(c);
  const cached = readCachedLogin();
  if (cached?.credentials === digest) {
    const client = vault.withToken(cached.token);
    const info = await lookupSelf(client).catch((error: unknown) => {
      if (error instanceof VaultPermissionDeniedError) return null;
      throw error;
    });
    if (info && (info.ttl === 0 || info.ttl >= MIN_TTL_TO_REUSE)) {
      await keepAlive(hook, client, info, "the external Vault AppRole token");
      return { client, verdicts: [] };
    }
  }
  try {
    const session = await login(vault, c.mount, c.roleId, c.secretId);
    writeFileIfChanged(cacheFile(), JSON.stringify({ credentials: digest, token: session.token } satisfies CachedLogin), 0o600);
    hook.log.info(`logged in to the external Vault with the vault-auth AppRole (token accessor ${session.accessor}, ${session.ttl}s)`);
    return { client: vault.withToken(session.token), verdicts: [] };
  } catch (error) {
    if (error instanceof VaultRequestError && (error.status === 400 || error.status === 403)) {
      hook.log.warn(`the external Vault refused the vault-auth AppRole: ${error.message}`);
      return refusedAuth(blocked(`External Vault refused the vault-auth AppRole (${error.errors[0] ?? error.status}): put a valid role-id and secret-id in the secret`));
    }
    throw error;
  }
}

async function tokenSession(hook: Hook, vault: VaultClient, token: string): Promise<Authorisation> {
  const client = vault.withToken(token);
  try {
    await keepAlive(hook, client, await lookupSelf(client), "the vault-auth token");
    return { client, verdicts: [] };
  } catch (error) {
    if (error instanceof VaultPermissionDeniedError) {
      hook.log.warn(`the external Vault refused the vault-auth token: ${error.message}`);
      return refusedAuth(blocked("External Vault refused the vault-auth token (expired or revoked): put a valid token in the secret"));
    }
    throw error;
  }
}

/** Every capability the charm's policy lists that this token lacks, as "<capability> on <path>". */
export async function missingPermissions(client: VaultClient, prefix: string): Promise<string[]> {
  // Globs are checked on a name they cover: a token that can act on charm-probe can act on charm-*.
  const rules = charmPolicyRules(prefix).map(([path, caps]) => ({ path, probe: path.replace("*", "probe"), caps }));
  const granted = await capabilitiesSelf(client, rules.map((r) => r.probe));
  const missing: string[] = [];
  for (const rule of rules) {
    const have = granted[rule.probe] ?? [];
    if (have.includes("root")) continue;
    const lacking = rule.caps.filter((cap) => !have.includes(cap));
    if (lacking.length) missing.push(`${lacking.join("/")} on ${rule.path}`);
  }
  return missing;
}

/** The leader's session on the external Vault, or a blocked verdict that names what is wrong. */
export async function externalSession(hook: Hook, vault: VaultClient): Promise<Authorisation> {
  const read = readCredentials(hook);
  if ("verdict" in read) return refusedAuth(read.verdict);
  const access = read.credentials.kind === "token" ? await tokenSession(hook, vault, read.credentials.token) : await appRoleSession(hook, vault, read.credentials);
  if (!access.client) return access;
  const missing = await missingPermissions(access.client, hook.config.kvMountPrefix).catch((error: unknown) => {
    if (error instanceof VaultPermissionDeniedError) return ["update on sys/capabilities-self"];
    throw error;
  });
  if (missing.length) {
    hook.log.warn(`the external Vault credentials lack: ${missing.join("; ")}`);
    return refusedAuth(blocked(`External Vault credentials lack ${missing.length} permission(s), e.g. ${missing[0]}: see vault-charm policy`));
  }
  const methods = await listAuthMethods(access.client);
  if (methods.approle !== "approle") return refusedAuth(blocked("External Vault has no AppRole auth method at approle/: vault auth enable approle"));
  return access;
}
