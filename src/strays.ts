// Secret-ids that a killed hook or action left behind. A hook's Vault writes are not undone when
// Juju discards its relation and secret writes (exit non-zero, SIGKILL), so a secret-id it issued is
// live in Vault but recorded nowhere: a retried hook adopts it at the next rotation, but a killed
// action (authorize-charm, refresh-secrets) is never retried. The leader's update-status (the
// bounded drift audit, a few consumers per run) destroys such strays: secret-ids of the charm's own role and of consumer
// roles that no committed record accounts for. Only where the records are complete for what Juju
// holds now (the ledger knows the secret's current revision; a legacy consumer's current
// generation), so an earlier charm version's unrecorded but working credential is never touched;
// workers' secret-ids (generate-secret-id) are never strays.
import { CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME } from "./authorization.js";
import type { Hook } from "./hook.js";
import { secretInfoGet, SecretNotFoundError } from "./juju/index.js";
import { readLedger, type ConsumerRecord, type Ledger } from "./relations/vault-kv/ledger.js";
import { CONSUMER_APPROLE_MOUNT } from "./relations/vault-kv/vault-objects.js";
import { CHARM_APPROLE_LABEL } from "./secrets/catalog.js";
import { CredentialLedger } from "./secrets/ledger.js";
import { destroySecretIdByAccessor, listSecretIdAccessors, readSecretIdByAccessor } from "./vault/approle.js";
import type { VaultClient } from "./vault/client.js";
import { isWorkerSecretId } from "./worker-secret-ids.js";

function currentRevision(selector: { id: string } | { label: string }): { id: string; revision: number } | null {
  try {
    const info = secretInfoGet(selector);
    return { id: info.id, revision: info.revision };
  } catch (error) {
    if (error instanceof SecretNotFoundError) return null;
    throw error;
  }
}

/** Live secret-ids of `role` that `isStray` picks (given their metadata), destroyed; returns how many. */
async function destroyWhere(vault: VaultClient, mount: string, role: string, isStray: (accessor: string, metadata: Record<string, string>) => boolean): Promise<number> {
  let destroyed = 0;
  for (const accessor of await listSecretIdAccessors(vault, mount, role)) {
    const metadata = await readSecretIdByAccessor(vault, mount, role, accessor);
    if (!metadata || isWorkerSecretId(metadata) || !isStray(accessor, metadata)) continue;
    await destroySecretIdByAccessor(vault, mount, role, accessor);
    destroyed++;
  }
  return destroyed;
}

/** Secret-ids of a secret-backed credential that its ledger does not know, when it knows the current revision. */
async function sweepSecretBacked(vault: VaultClient, ledger: CredentialLedger, mount: string, role: string, selector: { id: string } | { label: string }): Promise<number> {
  const current = currentRevision(selector);
  if (!current || ledger.latest(current.id)?.revision !== current.revision) return 0;
  const known = ledger.accessors(current.id);
  return destroyWhere(vault, mount, role, (accessor) => !known.has(accessor));
}

/** Consumer records one update-status looks through: a few, in turn, so the cost does not grow with the fleet. */
const RECORDS_PER_HOOK = 8;

function auditSlice(ledger: Ledger, nowMs: number): ConsumerRecord[] {
  const records = Object.keys(ledger).sort().map((key) => ledger[key]!);
  if (records.length <= RECORDS_PER_HOOK) return records;
  const start = Math.floor(nowMs / 60_000) % records.length;
  return Array.from({ length: RECORDS_PER_HOOK }, (_, i) => records[(start + i) % records.length]!);
}

export async function sweepStraySecretIds(hook: Hook, vault: VaultClient): Promise<void> {
  const app = hook.juju.appName;
  const ledger = CredentialLedger.read(app);
  let destroyed = await sweepSecretBacked(vault, ledger, CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME, { label: CHARM_APPROLE_LABEL });
  for (const record of auditSlice(readLedger(app), Date.now())) {
    if (record.dialect === "v0" && record.secretId) {
      destroyed += await sweepSecretBacked(vault, ledger, CONSUMER_APPROLE_MOUNT, record.role, { id: record.secretId });
    } else if (record.dialect === "legacy") {
      // Older generations go when a new one is issued; a newer one than recorded is a failed hook's.
      destroyed += await destroyWhere(vault, CONSUMER_APPROLE_MOUNT, record.role, (_, metadata) => Number(metadata.generation ?? 0) > record.generation);
    }
  }
  if (destroyed > 0) hook.log.info(`destroyed ${destroyed} secret-id(s) that a hook or action which did not finish had issued`);
}
