// The charm's own access to Vault: an AppRole created by `authorize-charm`, whose role-id and
// secret-id live in an app-owned Juju secret. Each hook logs in afresh and revokes its token at the end.
import type { Hook } from "./hook.js";
import { secretGet, SecretNotFoundError } from "./juju/index.js";
import { blocked, type Verdict } from "./status.js";
import type { VaultClient } from "./vault/client.js";
import { login } from "./vault/approle.js";
import { VaultPermissionDeniedError, VaultRequestError } from "./vault/errors.js";

export const CHARM_APPROLE_SECRET_LABEL = "vault-approle-charm";
export const CHARM_APPROLE_MOUNT = "approle";
/** Deliberately outside the consumer prefix, so consumer clean-up can never touch it. */
export const CHARM_ROLE_NAME = "juju-vault-charm";
export const CHARM_POLICY_NAME = "juju-vault-charm";

export type Authorisation = { client: VaultClient; verdicts: [] } | { client: null; verdicts: Verdict[] };

export function readCharmCredentials(): { roleId: string; secretId: string } | null {
  try {
    const content = secretGet({ label: CHARM_APPROLE_SECRET_LABEL });
    if (!content["role-id"] || !content["secret-id"]) return null;
    return { roleId: content["role-id"], secretId: content["secret-id"] };
  } catch (error) {
    if (error instanceof SecretNotFoundError) return null;
    throw error;
  }
}

export async function authorise(hook: Hook, vault: VaultClient): Promise<Authorisation> {
  const credentials = readCharmCredentials();
  if (!credentials) return { client: null, verdicts: [blocked("Charm not authorised: run authorize-charm")] };
  try {
    const session = await login(vault, CHARM_APPROLE_MOUNT, credentials.roleId, credentials.secretId);
    return { client: vault.withToken(session.token), verdicts: [] };
  } catch (error) {
    if (error instanceof VaultPermissionDeniedError || (error instanceof VaultRequestError && error.status === 400)) {
      hook.log.warn(`the charm's AppRole login was refused: ${error.message}`);
      return { client: null, verdicts: [blocked("Charm's Vault credentials were refused: run authorize-charm again")] };
    }
    throw error;
  }
}

/** What the charm needs on a Vault (managed mounts, their policies and AppRoles, health): path -> capabilities. */
export function charmPolicyRules(prefix: string): [string, string[]][] {
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

/** The charm's policy in HCL: the one authorize-charm writes, and the one to give it on an external Vault. */
export function charmPolicy(prefix: string): string {
  return charmPolicyRules(prefix)
    .map(([path, caps]) => `path "${path}" {\n  capabilities = ${JSON.stringify(caps)}\n}\n`)
    .join("\n");
}
