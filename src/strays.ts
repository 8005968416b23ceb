// Secret-ids that a killed hook or action left behind. A hook's Vault writes are not undone when
// Juju discards its relation and secret writes (exit non-zero, SIGKILL), so a secret-id it issued is
// live in Vault but recorded nowhere: a retried hook adopts it at the next rotation, but a killed
// action (authorize-charm, refresh-secrets) is never retried. The leader's update-status destroys
// such strays: secret-ids of the charm's own role and of consumer roles that no committed record
// accounts for. It looks only when there may be some: after a hook or action on this unit did not
// end cleanly (src/unfinished-hook.ts), 32 consumers per update-status until all were seen; and
// otherwise once an hour, 8 consumers in turn, for what that note cannot see (Juju refusing a
// hook's changes at commit). A converged update-status in between asks Vault nothing for it. Only
// where the records are complete for what Juju holds now (the ledger knows the secret's current
// revision; a legacy consumer's current generation), so an earlier charm version's unrecorded but
// working credential is never touched; workers' secret-ids (generate-secret-id) are never strays.
import { join } from "node:path";
import { CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME } from "./authorization.js";
import type { Hook } from "./hook.js";
import { secretInfoGet, SecretNotFoundError } from "./juju/index.js";
import { readLedger, type ConsumerRecord, type Ledger } from "./relations/vault-kv/ledger.js";
import { CONSUMER_APPROLE_MOUNT } from "./relations/vault-kv/vault-objects.js";
import { CHARM_APPROLE_LABEL } from "./secrets/catalog.js";
import { straySweepDone, straySweepDue } from "./unfinished-hook.js";
import { readJsonOrNull, writeFileIfChanged } from "./vault/files.js";
import { vaultPaths } from "./vault/paths.js";
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
const RECORDS_AFTER_UNFINISHED_HOOK = 32;
const RECORDS_PER_PERIOD = 8;
const PERIOD_MS = 3600_000;

/** Where the round-robin stands, on this unit (a new leader starts a period at once). */
interface AuditCursor {
  next: number;
  lastPeriodMs: number;
  /** The sweep after an unfinished hook: its stamp, and the records it has still to see. */
  dueStamp?: string;
  dueLeft?: number;
}

const cursorFile = () => join(vaultPaths().charmState, "stray-audit.json");

function readCursor(): AuditCursor {
  const parsed = (readJsonOrNull(cursorFile()) ?? {}) as Partial<AuditCursor>;
  return {
    next: Number.isInteger(parsed.next) ? parsed.next! : 0,
    lastPeriodMs: typeof parsed.lastPeriodMs === "number" ? parsed.lastPeriodMs : 0,
    ...(Number.isInteger(parsed.dueLeft) && typeof parsed.dueStamp === "string" ? { dueLeft: parsed.dueLeft!, dueStamp: parsed.dueStamp } : {}),
  };
}

/** Whether this run sweeps: after an unfinished hook (its stamp), or once a period (a clock set back counts as due). */
function sweepDue(cursor: AuditCursor, stamp: string | null, nowMs: number): boolean {
  return stamp !== null || nowMs - cursor.lastPeriodMs >= PERIOD_MS || nowMs < cursor.lastPeriodMs;
}

/** This run's slice of the records, in turn; the cursor moves on past it. */
function auditSlice(ledger: Ledger, cursor: AuditCursor, stamp: string | null, nowMs: number): ConsumerRecord[] {
  const records = Object.keys(ledger).sort().map((key) => ledger[key]!);
  const due = stamp !== null;
  // After an unfinished hook, every record once (32 per run); otherwise 8 per period.
  const left = !due ? 0 : cursor.dueStamp === stamp && cursor.dueLeft !== undefined ? cursor.dueLeft : records.length;
  const size = Math.min(records.length, due ? RECORDS_AFTER_UNFINISHED_HOOK : RECORDS_PER_PERIOD);
  const start = records.length ? cursor.next % records.length : 0;
  const slice = Array.from({ length: size }, (_, i) => records[(start + i) % records.length]!);
  const dueLeft = left - size;
  if (due && dueLeft <= 0) straySweepDone();
  const next: AuditCursor = { next: records.length ? (start + size) % records.length : 0, lastPeriodMs: nowMs, ...(due && dueLeft > 0 ? { dueStamp: stamp, dueLeft } : {}) };
  writeFileIfChanged(cursorFile(), JSON.stringify(next));
  return slice;
}

export async function sweepStraySecretIds(hook: Hook, vault: VaultClient): Promise<void> {
  const app = hook.juju.appName;
  const now = Date.now();
  const cursor = readCursor();
  const stamp = straySweepDue();
  if (!sweepDue(cursor, stamp, now)) return;
  const slice = auditSlice(readLedger(app), cursor, stamp, now);
  const ledger = CredentialLedger.read(app);
  let destroyed = await sweepSecretBacked(vault, ledger, CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME, { label: CHARM_APPROLE_LABEL });
  for (const record of slice) {
    if (record.dialect === "v0" && record.secretId) {
      destroyed += await sweepSecretBacked(vault, ledger, CONSUMER_APPROLE_MOUNT, record.role, { id: record.secretId });
    } else if (record.dialect === "legacy") {
      // Older generations go when a new one is issued; a newer one than recorded is a failed hook's.
      destroyed += await destroyWhere(vault, CONSUMER_APPROLE_MOUNT, record.role, (_, metadata) => Number(metadata.generation ?? 0) > record.generation);
    }
  }
  if (destroyed > 0) hook.log.info(`destroyed ${destroyed} secret-id(s) that a hook or action which did not finish had issued`);
}
