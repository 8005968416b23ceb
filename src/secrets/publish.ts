// An owned secret's next revision for a newly issued Vault credential: written with its kind's
// rotation policy and an expiry inside the credential's validity, and recorded in the ledger with
// the credential's accessor so that the revision's removal revokes exactly it.
import type { Hook } from "../hook.js";
import { secretAdd, secretInfoGet, SecretLabelTakenError, secretSet, type RotatePolicy, type SecretContent } from "../juju/index.js";
import { destroySecretIdByAccessor, listSecretIdAccessors, readSecretIdByAccessor } from "../vault/approle.js";
import { isWorkerSecretId } from "../worker-secret-ids.js";
import type { VaultClient } from "../vault/client.js";
import type { OwnedSecretKind } from "./catalog.js";
import type { CredentialLedger, IssuedCredential } from "./ledger.js";
import { policyFor, revisionExpiry, type Validity } from "./policy.js";

export interface CredentialRevision {
  kind: OwnedSecretKind;
  label: string;
  description: string;
  /** The secret to add a revision to; null creates it. */
  secretId: string | null;
  content: SecretContent;
  /** AppRole auth mount of the credential's role. */
  mount: string;
  credential: IssuedCredential;
  /** When the credential stops working; null when it does not. */
  validity: Validity | null;
}

/**
 * Live secret-ids of the role that no revision accounts for: an earlier charm version's, or from a
 * hook that failed after Vault issued them (not a worker's from generate-secret-id). They join the revision being replaced (or the new one,
 * for a new secret), so they are revoked with it rather than left behind.
 */
async function strays(vault: VaultClient, ledger: CredentialLedger, secretId: string | null, rev: CredentialRevision): Promise<IssuedCredential[]> {
  const known = secretId ? ledger.accessors(secretId) : new Set<string>();
  known.add(rev.credential.accessor);
  const live = await listSecretIdAccessors(vault, rev.mount, rev.credential.role);
  const unknown = live.filter((accessor) => !known.has(accessor));
  const adopted: IssuedCredential[] = [];
  for (const accessor of unknown) {
    // Workers' secret-ids (generate-secret-id) have their own lifetime; they are not strays.
    if (isWorkerSecretId(await readSecretIdByAccessor(vault, rev.mount, rev.credential.role, accessor))) continue;
    adopted.push({ role: rev.credential.role, accessor });
  }
  return adopted;
}

/**
 * The metadata a new revision of an owned secret is written with: its kind's rotation policy, and
 * an expiry inside the validity of the credential it holds. For any owned secret, Vault credential
 * or not (the etcd client certificate: its notBefore and notAfter).
 */
export function revisionMetadata(hook: Hook, kind: OwnedSecretKind, validity: Validity | null): { rotate: RotatePolicy; expire?: string } {
  return { rotate: policyFor(kind, hook.config).rotate, ...(validity ? { expire: revisionExpiry(validity) } : {}) };
}

export async function publishCredentialRevision(hook: Hook, vault: VaultClient, ledger: CredentialLedger, rev: CredentialRevision): Promise<{ secretId: string; revision: number }> {
  const metadata = revisionMetadata(hook, rev.kind, rev.validity);
  // Vault first: a refusal there leaves no revision behind that the ledger does not know.
  const adopted = await strays(vault, ledger, rev.secretId, rev);
  let secretId: string;
  let revision: number;
  if (rev.secretId) {
    secretId = rev.secretId;
    const replaced = secretInfoGet({ id: secretId }).revision;
    secretSet(secretId, rev.content, metadata);
    if (adopted.length) ledger.record(secretId, rev.mount, replaced, adopted);
    revision = replaced + 1;
  } else {
    // A consumer's first credentials secret: no one was ever handed a secret-id of this role, so
    // strays (a killed hook's) are nobody's and go now rather than live on with revision 1.
    if (rev.kind === "kv-credentials") {
      for (const stray of adopted.splice(0)) await destroySecretIdByAccessor(vault, rev.mount, stray.role, stray.accessor);
    }
    try {
      secretId = secretAdd(rev.content, { label: rev.label, description: rev.description, ...metadata });
      revision = 1;
    } catch (error) {
      if (!(error instanceof SecretLabelTakenError)) throw error;
      // The secret exists though no record names it: an action that failed part-way exits 0, and
      // Juju committed the secret it had added. Its next revision holds this credential.
      const orphan = secretInfoGet({ label: rev.label });
      secretId = orphan.id;
      secretSet(secretId, rev.content, metadata);
      revision = orphan.revision + 1;
      hook.log.info(`${rev.label}: the secret ${secretId} was added by a hook or action whose record was never written; it is used as it is`);
    }
    if (adopted.length) ledger.record(secretId, rev.mount, revision, adopted);
  }
  ledger.record(secretId, rev.mount, revision, [rev.credential]);
  hook.log.info(`${rev.label}: revision ${revision} holds secret-id accessor ${rev.credential.accessor}${metadata.expire ? ` (revision expires in ${metadata.expire})` : ""}`);
  return { secretId, revision };
}

/**
 * Brings an existing secret's rotation policy in line with its kind's (a changed config value
 * applies now, not at the next revision). Juju reschedules rotation when the policy changes, so it
 * is written only then.
 */
export function applyRotationPolicy(hook: Hook, kind: OwnedSecretKind, secretId: string): void {
  const rotate = policyFor(kind, hook.config).rotate;
  if ((secretInfoGet({ id: secretId }).rotation ?? "never") !== rotate) secretSet(secretId, null, { rotate });
}
