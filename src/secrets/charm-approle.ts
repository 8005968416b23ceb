// The charm's own AppRole credentials (vault-approle-charm): each revision holds one secret-id of
// the charm's role, issued with the configured lifetime. authorize-charm issues the first with the
// operator's token; rotation and expiry issue the next with the charm's own session, whose policy
// allows exactly that on its own role. The old secret-id keeps working until no unit tracks its
// revision; then secret-remove revokes it (events.ts).
import { CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME } from "../authorization.js";
import type { Hook } from "../hook.js";
import { secretGet, secretInfoGet, SecretNotFoundError } from "../juju/index.js";
import { generateSecretId } from "../vault/approle.js";
import type { VaultClient } from "../vault/client.js";
import { VaultPermissionDeniedError } from "../vault/errors.js";
import { CHARM_APPROLE_LABEL } from "./catalog.js";
import type { CredentialLedger } from "./ledger.js";
import { policyFor, validityFor } from "./policy.js";
import { publishCredentialRevision } from "./publish.js";

/** The secret's id, or null before authorize-charm created it. */
function charmCredentialsSecret(): string | null {
  try {
    return secretInfoGet({ label: CHARM_APPROLE_LABEL }).id;
  } catch (error) {
    if (error instanceof SecretNotFoundError) return null;
    throw error;
  }
}

/**
 * Issues a secret-id for the charm's role with `issuer` (a token allowed to), checks it with
 * `prove` when given, and writes it with `roleId` as the next revision of the charm's credentials.
 */
export async function issueCharmCredentials(
  hook: Hook,
  issuer: VaultClient,
  ledger: CredentialLedger,
  roleId: string,
  prove?: (secretId: string) => Promise<unknown>,
): Promise<void> {
  const ttl = policyFor("charm-approle", hook.config).credentialTtl;
  const issued = await generateSecretId(issuer, CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME, { metadata: { purpose: "vault-charm" }, ...(ttl ? { ttl: `${ttl}s` } : {}) });
  await prove?.(issued.secretId);
  await publishCredentialRevision(hook, issuer, ledger, {
    kind: "charm-approle",
    label: CHARM_APPROLE_LABEL,
    description: "The vault charm's own AppRole",
    secretId: charmCredentialsSecret(),
    content: { "role-id": roleId, "secret-id": issued.secretId },
    mount: CHARM_APPROLE_MOUNT,
    credential: { role: CHARM_ROLE_NAME, accessor: issued.accessor },
    validity: validityFor(ttl),
  });
}

/** secret-rotate, or secret-expired on the newest revision: a new secret-id, issued by the charm itself. */
export async function rotateCharmCredentials(hook: Hook, session: VaultClient, ledger: CredentialLedger): Promise<void> {
  // The owner inspects its newest revision without moving what it tracks: peek.
  const roleId = secretGet({ label: CHARM_APPROLE_LABEL, peek: true })["role-id"];
  if (!roleId) {
    hook.log.warn(`${CHARM_APPROLE_LABEL} has no role-id: run authorize-charm`);
    return;
  }
  try {
    await issueCharmCredentials(hook, session, ledger, roleId);
  } catch (error) {
    if (!(error instanceof VaultPermissionDeniedError)) throw error;
    // Authorised by an earlier version whose policy lacked its own role's secret-id paths.
    hook.log.warn("the charm's policy does not let it renew its own credentials: run authorize-charm again");
  }
}
