// The vault-kv provider, on the leader: serve every relation on both endpoints in the dialect its
// requirer speaks, then sweep what the ledger holds for units and relations that are gone: their
// AppRoles, policies and credential secrets (the data in their mounts is kept).
import type { Hook } from "../../hook.js";
import { relationGet, relationIds, relationRemoteApp, relationUnits, secretRemove, SecretNotFoundError } from "../../juju/index.js";
import { blocked, type Verdict } from "../../status.js";
import type { VaultClient } from "../../vault/client.js";
import { listMounts } from "../../vault/sys.js";
import type { VaultEndpoint } from "../../workload.js";
import type { ConsumerRelation, ServeContext } from "./context.js";
import { destroySecretIds } from "./credentials.js";
import { readLedger, writeLedger, type ConsumerRecord } from "./ledger.js";
import { serveLegacy } from "./legacy.js";
import { detectDialect } from "./requests.js";
import { serveV0 } from "./v0.js";
import { MountConflictError, removeConsumer } from "./vault-objects.js";
import { UnsafeNameError } from "./naming.js";

export const VAULT_KV_ENDPOINTS = ["secrets", "vault-kv"] as const;

export interface ProviderOptions {
  /** Which recorded consumers get new credentials this hook (refresh-secrets). */
  refresh?: (record: ConsumerRecord | undefined, key: string) => boolean;
}

async function removeRecord(hook: Hook, vault: VaultClient, record: ConsumerRecord): Promise<void> {
  await removeConsumer(vault, record.role);
  if (record.secretId) {
    try {
      secretRemove(record.secretId);
    } catch (error) {
      if (!(error instanceof SecretNotFoundError)) throw error;
    }
  }
  hook.log.info(`vault-kv: removed ${record.role} (${record.unit} left relation ${record.relationId}); data in ${record.mount} is kept`);
}

export async function reconcileVaultKv(hook: Hook, vault: VaultClient, endpoint: VaultEndpoint, options: ProviderOptions = {}): Promise<Verdict[]> {
  if (!hook.isLeader) return [];
  const before = readLedger(hook.juju.appName);
  const ledger: Record<string, ConsumerRecord> = structuredClone(before);
  const ctx: ServeContext = { hook, vault, mounts: await listMounts(vault), ledger, endpoint, verdicts: [], refresh: new Set(Object.keys(ledger).filter((k) => options.refresh?.(ledger[k], k))) };
  const wanted = new Set<string>();
  for (const name of VAULT_KV_ENDPOINTS) {
    for (const relationId of relationIds(name)) {
      const remoteApp = relationRemoteApp(relationId);
      const relation: ConsumerRelation = {
        id: relationId,
        appBag: remoteApp ? relationGet(relationId, remoteApp, { app: true }) : {},
        unitBags: new Map(relationUnits(relationId).map((u) => [u, relationGet(relationId, u)])),
      };
      const dialect = detectDialect(relation.appBag, [...relation.unitBags.values()]);
      if (!dialect) continue;
      try {
        const kept = dialect === "legacy" ? await serveLegacy(ctx, relation) : await serveV0(ctx, relation);
        for (const key of kept) wanted.add(key);
      } catch (error) {
        if (!(error instanceof MountConflictError || error instanceof UnsafeNameError)) throw error;
        hook.log.warn(`vault-kv relation ${relationId}: ${error.message}`);
        ctx.verdicts.push(blocked(`vault-kv request refused: ${error.message}`));
        for (const [key, record] of Object.entries(ledger)) if (record.relationId === relationId) wanted.add(key);
      }
    }
  }
  for (const [key, record] of Object.entries(ledger)) {
    if (wanted.has(key)) continue;
    await removeRecord(hook, vault, record);
    delete ledger[key];
  }
  writeLedger(before, ledger);
  return ctx.verdicts;
}


/** Juju names a secret as secret://<model>/<id>, secret:<id> or the bare id: compare the ids. */
export function sameSecret(a: string, b: string): boolean {
  const id = (uri: string) => uri.slice(Math.max(uri.lastIndexOf("/"), uri.lastIndexOf(":")) + 1);
  return id(a) === id(b);
}

/**
 * secret-rotate or secret-expired for a consumer's credentials secret: reissue that consumer's
 * credential (a new revision); the old secret-id keeps working until its revision is untracked.
 */
export function rotationRefresh(secretUri: string): ProviderOptions["refresh"] {
  return (record) => Boolean(record?.secretId && sameSecret(record.secretId, secretUri));
}

/**
 * secret-remove for a consumer's credentials secret: no observer tracks that revision any more, so
 * the secret-ids issued before the current one are revoked (by accessor), then the revision goes.
 */
export async function removeCredentialRevision(hook: Hook, vault: VaultClient, secretUri: string, revision: number): Promise<boolean> {
  const before = readLedger(hook.juju.appName);
  const ledger = structuredClone(before);
  const record = Object.values(ledger).find((r) => r.secretId && sameSecret(r.secretId, secretUri));
  if (!record) return false;
  const accessor = record.retired?.[String(revision)];
  if (accessor) {
    await destroySecretIds(vault, record.role, [accessor]);
    delete record.retired![String(revision)];
    if (Object.keys(record.retired!).length === 0) delete record.retired;
  }
  hook.log.info(`vault-kv: revision ${revision} of ${record.unit}'s credentials is no longer tracked: ${accessor ? "secret-id revoked, " : ""}revision removed`);
  writeLedger(before, ledger);
  secretRemove(secretUri, revision);
  return true;
}

/**
 * The leader's vault-kv work for any hook: first the event's own job (a credential revision to
 * retire, a credential due for rotation or expiring), then the same reconcile as every hook.
 */
export async function serveConsumers(hook: Hook, vault: VaultClient, endpoint: VaultEndpoint): Promise<Verdict[]> {
  const { event, juju } = hook;
  if (event.type === "secret" && event.kind === "remove" && juju.secretId && juju.secretRevision !== null) {
    if (!(await removeCredentialRevision(hook, vault, juju.secretId, juju.secretRevision))) {
      // Another owned secret (the CA, the charm's AppRole): nobody reads that revision any more.
      hook.log.info(`removing revision ${juju.secretRevision} of ${juju.secretLabel ?? juju.secretId}: no longer tracked`);
      secretRemove(juju.secretId, juju.secretRevision);
    }
  }
  const due = event.type === "secret" && (event.kind === "rotate" || event.kind === "expired") && juju.secretId;
  return reconcileVaultKv(hook, vault, endpoint, due ? { refresh: rotationRefresh(juju.secretId!) } : {});
}
