// The owner's side of Juju's secret events, on the leader (app-owned secrets are the leader's):
// secret-rotate, and secret-expired on the newest revision, get a new revision holding a new
// credential, issued where that credential is made; secret-remove for a revision no unit tracks
// revokes what the revision held, by the accessors the ledger recorded, then removes the revision.
// The reader's side (secret-changed) is read.ts.
import type { Hook } from "../hook.js";
import { secretInfoGet, secretRemove, SecretNotFoundError } from "../juju/index.js";
import { destroySecretIdByAccessor, readSecretIdByAccessor } from "../vault/approle.js";
import type { VaultClient } from "../vault/client.js";
import { ownedKindOf, type OwnedSecretKind } from "./catalog.js";
import { CredentialLedger } from "./ledger.js";

type Reissue = (hook: Hook, session: VaultClient, ledger: CredentialLedger) => Promise<void>;

/** Where each kind's new revision is made. */
const REISSUE: Record<OwnedSecretKind, (() => Promise<Reissue>) | "in its reconcile" | "never"> = {
  "charm-approle": async () => (await import("./charm-approle.js")).rotateCharmCredentials,
  // Issued where the consumer's request is known: the vault-kv reconcile asks secretDueForReissue.
  "kv-credentials": "in its reconcile",
  // Likewise the etcd requirer, which knows the user the certificate is for.
  "etcd-identity": "in its reconcile",
  "etcd-mtls": "never",
  // No rotation policy nor expiry: replacing the CA means reissuing every certificate it signed.
  "vault-ca": "never",
};

/**
 * The owned secret this hook asks a new revision of: secret-rotate's, or secret-expired's while
 * the expired revision is still the newest (Juju repeats secret-expired every few minutes until
 * that revision is removed; once it was replaced, nothing more is due).
 */
export function secretDueForReissue(hook: Hook): string | null {
  const { event, juju } = hook;
  if (event.type !== "secret" || !juju.secretId || !hook.isLeader) return null;
  if (event.kind === "rotate") return juju.secretId;
  if (event.kind !== "expired") return null;
  try {
    return juju.secretRevision === null || juju.secretRevision >= secretInfoGet({ id: juju.secretId }).revision ? juju.secretId : null;
  } catch (error) {
    if (error instanceof SecretNotFoundError) return null;
    throw error;
  }
}

function kindOfEventSecret(hook: Hook): OwnedSecretKind | null {
  const byLabel = ownedKindOf(hook.juju.secretLabel);
  if (byLabel || !hook.juju.secretId) return byLabel;
  try {
    return ownedKindOf(secretInfoGet({ id: hook.juju.secretId }).label);
  } catch (error) {
    if (error instanceof SecretNotFoundError) return null;
    throw error;
  }
}

/**
 * Whether the secret still exists. Juju applies secret-remove when the hook commits, and removing a
 * secret that is already gone fails that commit, so the hook errors and is retried for ever
 * (context.go RemoveSecret/doFlush). A secret-remove event queued before its secret was removed
 * whole (its consumer left) must therefore not remove anything: ask Juju first.
 */
function stillExists(uri: string): boolean {
  try {
    secretInfoGet({ id: uri });
    return true;
  } catch (error) {
    if (error instanceof SecretNotFoundError) return false;
    throw error;
  }
}

/** Revokes what an untracked revision held, then removes the revision from Juju (once). */
async function removeRevision(hook: Hook, vault: VaultClient, ledger: CredentialLedger, uri: string, revision: number): Promise<void> {
  const held = ledger.takeRevision(uri, revision);
  for (const { role, accessor } of held?.credentials ?? []) {
    // Already gone (its TTL ran out, or its role was deleted): nothing to revoke.
    if ((await readSecretIdByAccessor(vault, held!.mount, role, accessor)) === null) continue;
    await destroySecretIdByAccessor(vault, held!.mount, role, accessor);
  }
  ledger.removalDone(uri, revision);
  const exists = stillExists(uri);
  if (exists) secretRemove(uri, revision);
  else ledger.forget(uri);
  const revoked = held?.credentials.map((c) => c.accessor).join(", ");
  hook.log.info(`revision ${revision} of ${uri} is tracked by no unit: ${revoked ? `secret-id accessor ${revoked} revoked, ` : ""}${exists ? "revision removed" : "the secret was already removed"}`);
}

/**
 * The leader's part in the owned secrets' events, every hook: `vault` is the charm's session, or
 * null when it has none this hook (sealed, not yet authorised); removals then wait for one.
 */
export async function serveOwnedSecrets(hook: Hook, vault: VaultClient | null): Promise<void> {
  const { event, juju } = hook;
  const removal = event.type === "secret" && event.kind === "remove" && juju.secretId && juju.secretRevision !== null ? { uri: juju.secretId, revision: juju.secretRevision } : null;
  if (!hook.isLeader || (!vault && !removal)) return;
  const ledger = CredentialLedger.read(hook.juju.appName);
  if (removal) {
    ledger.deferRemoval(removal.uri, removal.revision);
    if (!vault) hook.log.info(`revision ${removal.revision} of ${juju.secretLabel || removal.uri} will be removed once the charm can reach Vault`);
  }
  if (vault) {
    for (const { uri, revision } of ledger.pendingRemovals()) await removeRevision(hook, vault, ledger, uri, revision);
    const due = secretDueForReissue(hook);
    const kind = due ? kindOfEventSecret(hook) : null;
    const reissue = kind ? REISSUE[kind] : "never";
    if (typeof reissue === "function") await (await reissue())(hook, vault, ledger);
  }
  ledger.write();
}
