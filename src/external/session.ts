// The charm's session on an external Vault (external-Vault mode, seed 003): authenticate with the
// operator's `vault-auth` secret (a token, an AppRole, or a worker that pulls a runner's secret-id),
// keep the token alive across hooks (renew before it expires, log in or pull again when renewal is
// no longer possible), and check permissions up front.
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Authorisation } from "../authorization.js";
import { charmPolicyRules } from "../authorization.js";
import type { Hook } from "../hook.js";
import { readGrantedSecret } from "../secrets/read.js";
import { blocked, type Verdict } from "../status.js";
import { login, type LoginResult } from "../vault/approle.js";
import type { VaultClient } from "../vault/client.js";
import { VaultPermissionDeniedError, VaultRequestError } from "../vault/errors.js";
import { readFileOrNull, writeFileIfChanged } from "../vault/files.js";
import { vaultPaths } from "../vault/paths.js";
import { capabilitiesSelf, listAuthMethods, lookupSelf, renewSelf, revokeSelf, type TokenInfo } from "../vault/sys.js";
import { parseExternalCredentials, type ExternalCredentials, type PullCredentials } from "./credentials.js";
import { pullRunnerToken, vaultReason } from "./pull.js";

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

/**
 * Renews a token past half its life, so a token with a short TTL outlives the gaps between hooks.
 * Returns false when the token is past half its life and could not be extended beyond it (not
 * renewable, or at its maximum TTL): a login-based session then logs in afresh.
 */
async function keepAlive(hook: Hook, client: VaultClient, info: TokenInfo, what: string): Promise<boolean> {
  if (info.ttl === 0 || info.ttl * 2 > info.creationTtl) return true;
  if (!hook.config.autoRenew) {
    hook.log.info(`${what} (accessor ${info.accessor}) has ${info.ttl}s left; auto-renew is off`);
    return false;
  }
  if (!info.renewable) {
    hook.log.warn(`${what} (accessor ${info.accessor}) has ${info.ttl}s left and cannot be renewed`);
    return false;
  }
  const granted = await renewSelf(client, info.creationTtl);
  hook.log.info(`renewed ${what} (accessor ${info.accessor}): ${granted}s left`);
  if (granted < info.creationTtl) hook.log.warn(`${what} reaches its maximum TTL in ${granted}s`);
  return granted * 2 > info.creationTtl;
}

/** The login token kept between hooks (mode 0600), tied to the credentials that made it. */
interface CachedLogin {
  credentials: string;
  token: string;
}

function cacheFile(): string {
  return join(vaultPaths().charmState, "external-login.json");
}

type LoginCredentials = Exclude<ExternalCredentials, { kind: "token" }>;

/** A one-way digest, so the cache can tell whether vault-auth changed without holding its secrets. */
function credentialsDigest(c: LoginCredentials): string {
  const fields = c.kind === "approle" ? [c.kind, c.mount, c.roleId, c.secretId] : [c.kind, c.mount, c.workerRoleId, c.workerSecretId, c.runnerRole, c.runnerRoleId];
  return createHash("sha256").update(fields.join("\0")).digest("hex");
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

/** The cached token if it still has a future, renewed when due; null when a fresh login is needed. */
async function reuseCachedLogin(hook: Hook, vault: VaultClient, digest: string, what: string): Promise<VaultClient | null> {
  const cached = readCachedLogin();
  if (cached && cached.credentials !== digest) await dropStaleLogin(hook, vault, cached);
  if (cached?.credentials !== digest) return null;
  const client = vault.withToken(cached.token);
  const info = await lookupSelf(client).catch((error: unknown) => {
    if (error instanceof VaultPermissionDeniedError) return null;
    throw error;
  });
  if (!info || (info.ttl !== 0 && info.ttl < MIN_TTL_TO_REUSE)) return null;
  if (await keepAlive(hook, client, info, what)) return client;
  // Dropped for a fresh one: revoke it rather than leave it to expire.
  await revokeSelf(client).catch((error: Error) => hook.log.warn(`could not revoke ${what} (accessor ${info.accessor}): ${error.message}`));
  hook.log.info(`${what} (accessor ${info.accessor}) cannot be renewed past half its life: logging in afresh`);
  return null;
}

/** A token made with credentials vault-auth no longer holds: revoked (best effort) and forgotten. */
async function dropStaleLogin(hook: Hook, vault: VaultClient, cached: CachedLogin): Promise<void> {
  await revokeSelf(vault.withToken(cached.token)).then(
    () => hook.log.info("revoked the external Vault token made with the previous vault-auth credentials"),
    () => hook.log.info("the external Vault token made with the previous vault-auth credentials is no longer valid"),
  );
  rmSync(cacheFile(), { force: true });
}

function cacheLogin(digest: string, session: LoginResult): void {
  writeFileIfChanged(cacheFile(), JSON.stringify({ credentials: digest, token: session.token } satisfies CachedLogin), 0o600);
}

async function appRoleSession(hook: Hook, vault: VaultClient, c: Extract<ExternalCredentials, { kind: "approle" }>): Promise<Authorisation> {
  const digest = credentialsDigest(c);
  const reused = await reuseCachedLogin(hook, vault, digest, "the external Vault AppRole token");
  if (reused) return { client: reused, verdicts: [] };
  try {
    const session = await login(vault, c.mount, c.roleId, c.secretId);
    cacheLogin(digest, session);
    hook.log.info(`logged in to the external Vault with the vault-auth AppRole (token accessor ${session.accessor}, ${session.ttl}s)`);
    return { client: vault.withToken(session.token), verdicts: [] };
  } catch (error) {
    if (error instanceof VaultRequestError && (error.status === 400 || error.status === 403)) {
      hook.log.warn(`the external Vault refused the vault-auth AppRole: ${error.message}`);
      return refusedAuth(blocked(`External Vault refused the vault-auth AppRole (${vaultReason(error)}): put a valid role-id and secret-id in the secret`));
    }
    throw error;
  }
}

/** Pull authentication: the runner's token, from the cache or from a fresh pull through the worker. */
async function pullSession(hook: Hook, vault: VaultClient, c: PullCredentials): Promise<Authorisation> {
  const digest = credentialsDigest(c);
  const reused = await reuseCachedLogin(hook, vault, digest, "the external Vault runner token");
  if (reused) return { client: reused, verdicts: [] };
  const pulled = await pullRunnerToken(hook, vault, c);
  if (!pulled.ok) return refusedAuth(pulled.verdict);
  cacheLogin(digest, pulled.session);
  return { client: vault.withToken(pulled.session.token), verdicts: [] };
}

async function tokenSession(hook: Hook, vault: VaultClient, token: string): Promise<Authorisation> {
  const cached = readCachedLogin();
  if (cached) await dropStaleLogin(hook, vault, cached);
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
  const c = read.credentials;
  const access = c.kind === "token" ? await tokenSession(hook, vault, c.token) : c.kind === "approle" ? await appRoleSession(hook, vault, c) : await pullSession(hook, vault, c);
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
