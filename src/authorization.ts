// The charm's own access to Vault: an AppRole created by `authorize-charm`, whose role-id and
// secret-id live in an app-owned Juju secret. Each unit keeps its login token between hooks
// (src/kept-token.ts), so a hook with nothing to do makes no Vault write.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { memoTrusted } from "./hook-memo.js";
import type { Hook } from "./hook.js";
import { secretGet, SecretNotFoundError, type Logger } from "./juju/index.js";
import { credentialsDigest, KeptToken } from "./kept-token.js";
import { CHARM_APPROLE_LABEL } from "./secrets/catalog.js";
import { readSecret } from "./secrets/read.js";
import { blocked, type Verdict } from "./status.js";
import type { VaultClient } from "./vault/client.js";
import { login, type LoginResult } from "./vault/approle.js";
import { VaultPermissionDeniedError, VaultRequestError } from "./vault/errors.js";
import { vaultPaths } from "./vault/paths.js";

export const CHARM_APPROLE_MOUNT = "approle";
/** Deliberately outside the consumer prefix, so consumer clean-up can never touch it. */
export const CHARM_ROLE_NAME = "juju-vault-charm";
export const CHARM_POLICY_NAME = "juju-vault-charm";

export type Authorisation = { client: VaultClient; verdicts: [] } | { client: null; verdicts: Verdict[] };

/**
 * The charm's session tokens (authorize-charm writes these on its AppRole): an hour, renewed past
 * half its life by whichever hook comes then (update-status comes every 5 minutes by default),
 * for a day at most; then the unit logs in again.
 */
export const SESSION_TOKEN_TTL = "1h";
export const SESSION_TOKEN_MAX_TTL = "24h";

interface CharmCredentials {
  roleId: string;
  secretId: string;
}

function credentialsFrom(content: Record<string, string>): CharmCredentials | null {
  return content["role-id"] && content["secret-id"] ? { roleId: content["role-id"], secretId: content["secret-id"] } : null;
}

/** The revision this unit tracks, or the newest on its secret-changed; null before authorize-charm. */
export function readCharmCredentials(hook: Hook, refresh = false): CharmCredentials | null {
  try {
    return credentialsFrom(refresh ? secretGet({ label: CHARM_APPROLE_LABEL, refresh: true }) : readSecret(hook, { label: CHARM_APPROLE_LABEL }));
  } catch (error) {
    if (error instanceof SecretNotFoundError) return null;
    throw error;
  }
}

const refused = (error: unknown) => error instanceof VaultPermissionDeniedError || (error instanceof VaultRequestError && error.status === 400);

/**
 * Logs in with the tracked revision. If Vault refuses it (its secret-id ran out while this unit
 * was away), the unit moves to the newest revision, which the leader renewed in time.
 */
async function loginAsCharm(hook: Hook, vault: VaultClient, credentials: CharmCredentials): Promise<{ session: LoginResult; used: CharmCredentials }> {
  try {
    return { session: await login(vault, CHARM_APPROLE_MOUNT, credentials.roleId, credentials.secretId), used: credentials };
  } catch (error) {
    const newest = refused(error) ? readCharmCredentials(hook, true) : null;
    if (!newest || newest.secretId === credentials.secretId) throw error;
    hook.log.info("the tracked revision of the charm's credentials was refused; using the newest one");
    return { session: await login(vault, CHARM_APPROLE_MOUNT, newest.roleId, newest.secretId), used: newest };
  }
}

/** This unit's kept session token on the local Vault. */
export const charmSessionToken = (log: Logger) => new KeptToken("charm-session.json", "the charm's session token", log);
const digestOf = (c: CharmCredentials) => credentialsDigest(["approle", c.roleId, c.secretId]);

export async function authorise(hook: Hook, vault: VaultClient): Promise<Authorisation> {
  // Earlier versions noted a per-hook token here; a 5-minute token that no hook renews is dead by now.
  rmSync(join(vaultPaths().charmState, "hook-token"), { force: true });
  // New credentials reach a unit through a hook (secret-changed, the leader's own action or
  // rotation), never in an update-status that trusts the last hook: its kept token stands as is.
  if (memoTrusted()) {
    const reused = await charmSessionToken(hook.log).reuse(vault, null);
    if (reused) return { client: reused, verdicts: [] };
  }
  const credentials = readCharmCredentials(hook);
  if (!credentials) return { client: null, verdicts: [blocked("Charm not authorised: run authorize-charm")] };
  const kept = charmSessionToken(hook.log);
  const reused = await kept.reuse(vault, digestOf(credentials));
  if (reused) return { client: reused, verdicts: [] };
  try {
    const { session, used } = await loginAsCharm(hook, vault, credentials);
    const client = kept.keep(vault, digestOf(used), session.token, session.ttl);
    hook.log.info(`logged in with the charm's AppRole (token accessor ${session.accessor}, ${session.ttl}s)`);
    return { client, verdicts: [] };
  } catch (error) {
    if (refused(error)) {
      hook.log.warn(`the charm's AppRole login was refused: ${(error as Error).message}`);
      return { client: null, verdicts: [blocked("Charm's Vault credentials were refused: run authorize-charm again")] };
    }
    throw error;
  }
}

type PolicyRules = [string, string[]][];

function renderPolicy(rules: PolicyRules): string {
  return rules.map(([path, caps]) => `path "${path}" {\n  capabilities = ${JSON.stringify(caps)}\n}\n`).join("\n");
}

/** What the charm needs on a Vault (managed mounts, their policies and AppRoles, health): path -> capabilities. */
export function charmPolicyRules(prefix: string): PolicyRules {
  return [
    ["sys/health", ["read"]],
    ["sys/mounts", ["read"]],
    [`sys/mounts/${prefix}*`, ["create", "read", "update", "delete", "sudo"]],
    [`sys/policies/acl/${prefix}*`, ["create", "read", "update", "delete"]],
    ["sys/policies/acl", ["list"]],
    ["sys/auth", ["read"]],
    ["auth/approle/role", ["list"]],
    [`auth/approle/role/${prefix}*`, ["create", "read", "update", "delete", "list"]],
    [`${prefix}*`, ["create", "read", "update", "delete", "list", "patch"]],
    ["auth/token/lookup-self", ["read"]],
    ["auth/token/renew-self", ["update"]],
    ["auth/token/revoke-self", ["update"]],
  ];
}

/**
 * On the local Vault the charm also renews its own credentials: issue, list, look up and destroy
 * secret-ids of its own role, and nothing else on it (not the role itself, whose policies it
 * could otherwise widen). An external Vault's operators keep the charm's credentials themselves.
 */
export function ownRoleRules(): PolicyRules {
  const role = `auth/${CHARM_APPROLE_MOUNT}/role/${CHARM_ROLE_NAME}`;
  return [
    [`${role}/secret-id`, ["update", "list"]],
    [`${role}/secret-id-accessor/lookup`, ["update"]],
    [`${role}/secret-id-accessor/destroy`, ["update"]],
  ];
}

/** The charm's policy in HCL for an external Vault (what `vault-charm policy` prints). */
export function charmPolicy(prefix: string): string {
  return renderPolicy(charmPolicyRules(prefix));
}

/** The policy authorize-charm writes on the local Vault. */
export function localCharmPolicy(prefix: string): string {
  return renderPolicy([...charmPolicyRules(prefix), ...ownRoleRules()]);
}
