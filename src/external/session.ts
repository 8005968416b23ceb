// The charm's session on an external Vault (external-Vault mode, seed 003): authenticate with the
// operator's `vault-auth` secret (a token, an AppRole, or a worker that pulls a runner's secret-id),
// keep the token alive across hooks (renew before it expires, log in or pull again when renewal is
// no longer possible), and check permissions up front.
import type { Authorisation } from "../authorization.js";
import { charmPolicyRules } from "../authorization.js";
import type { Hook } from "../hook.js";
import { credentialsDigest, keepAlive, KeptToken } from "../kept-token.js";
import { readGrantedSecret } from "../secrets/read.js";
import { blocked, type Verdict } from "../status.js";
import { login } from "../vault/approle.js";
import type { VaultClient } from "../vault/client.js";
import { VaultPermissionDeniedError, VaultRequestError } from "../vault/errors.js";
import { capabilitiesSelf, listAuthMethods, lookupSelf } from "../vault/sys.js";
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

/** The login token kept between hooks (AppRole and pull logins; a vault-auth token is the operator's). */
export const externalLoginToken = (hook: Hook, what = "the external Vault login token") => new KeptToken("external-login.json", what, hook.log);

type LoginCredentials = Exclude<ExternalCredentials, { kind: "token" }>;

function digestOf(c: LoginCredentials): string {
  return credentialsDigest(c.kind === "approle" ? [c.kind, c.mount, c.roleId, c.secretId] : [c.kind, c.mount, c.workerRoleId, c.workerSecretId, c.runnerRole, c.runnerRoleId]);
}

async function appRoleSession(hook: Hook, vault: VaultClient, c: Extract<ExternalCredentials, { kind: "approle" }>): Promise<Authorisation> {
  const kept = externalLoginToken(hook, "the external Vault AppRole token");
  const reused = await kept.reuse(vault, digestOf(c), hook.config.autoRenew);
  if (reused) return { client: reused, verdicts: [] };
  try {
    const session = await login(vault, c.mount, c.roleId, c.secretId);
    const client = kept.keep(vault, digestOf(c), session.token, session.ttl, hook.config.autoRenew);
    hook.log.info(`logged in to the external Vault with the vault-auth AppRole (token accessor ${session.accessor}, ${session.ttl}s)`);
    return { client, verdicts: [] };
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
  const kept = externalLoginToken(hook, "the external Vault runner token");
  const reused = await kept.reuse(vault, digestOf(c), hook.config.autoRenew);
  if (reused) return { client: reused, verdicts: [] };
  const pulled = await pullRunnerToken(hook, vault, c);
  if (!pulled.ok) return refusedAuth(pulled.verdict);
  return { client: kept.keep(vault, digestOf(c), pulled.session.token, pulled.session.ttl, hook.config.autoRenew), verdicts: [] };
}

async function tokenSession(hook: Hook, vault: VaultClient, token: string): Promise<Authorisation> {
  // A login token kept from an earlier vault-auth (AppRole or pull) is of no more use.
  await externalLoginToken(hook)
    .end(vault, "vault-auth now holds a token")
    .catch((e: Error) => hook.log.warn(`could not revoke the earlier external Vault login token: ${e.message}`));
  const client = vault.withToken(token);
  try {
    await keepAlive(hook.log, client, await lookupSelf(client), "the vault-auth token", hook.config.autoRenew);
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
