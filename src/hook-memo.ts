// What the unit's last hook found out, which the next update-status may take as given instead of
// asking Juju (a hook-tool call each) or snapd again.
//
// Juju runs update-status only when nothing else is pending: config-changed comes first for changed
// config or addresses, relation hooks for relations created, changed, departed or broken,
// leader-elected for new leadership, secret hooks for new revisions, and nothing at all runs while
// a hook has failed (juju/juju internal/worker/uniter/resolver.go: NextOp and nextOp, "UpdateStatus
// hook runs if nothing else needs to"). So the config, relations, address, secret revisions and
// consumer data an update-status would read are those the last other hook saw. (The update-status
// the charm asks for through juju-exec when systemd restarts Vault may run while hooks are pending:
// they still run after it, and see for themselves.) The memo holds only what no secret is made of
// (relation ids, the unit's address, the config, the vault snap, the server certificate,
// statuses and verdicts); it is
// - trusted only in update-status, when the hook before ended cleanly (src/unfinished-hook.ts) and
//   leadership is what it was; other hooks may take single findings from it on the same terms, where
//   the caller says why they still hold (lastHookFinding);
// - written whole by every other hook, and carried forward by update-status;
// - at most an hour old: then update-status looks at everything again, which also catches what no
//   hook announces (a revoked grant, a status set by hand through juju exec, a snap auto-refresh).
// The peer relation's app bag is kept beside it on the same terms (src/relations/peers.ts), in a
// file of its own (with a thousand consumers it holds hundreds of KB), rewritten only when the bag
// differs from it.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { relationIds } from "./juju/index.js";
import type { Verdict } from "./status.js";
import type { EtcdStorage } from "./vault/hcl.js";
import type { InstalledSnap } from "./vault/service.js";
import { readJsonOrNull } from "./vault/files.js";
import { vaultPaths } from "./vault/paths.js";

export const MEMO_MAX_AGE_MS = 60 * 60 * 1000;
const FORMAT = 1;

export interface HookMemo {
  /** Relation ids per endpoint, as relation-ids gave them. */
  relationIds?: Record<string, number[]>;
  /** Where Vault keeps its data, when that was settled: etcd's settings (paths, endpoints), or null for the machine's own storage. */
  storage?: EtcdStorage | null;
  /**
   * The installed vault snap (`snap list`). The charm installs and refreshes it in hooks; snapd's
   * auto-refresh can change its revision behind the charm's back, which the hourly full look sees.
   */
  snap?: InstalledSnap;
  /** The unit's bind address (network-get). */
  address?: string;
  /** What the check of the operator's unseal-keys found, for that secret URI. */
  unsealKeys?: { uri: string; problem: Verdict | null };
  /** The leader's vault-kv verdicts of the last complete reconcile, per consumer relation id. */
  consumers?: Record<string, Verdict[]>;
  /** A non-leader: its own unit bags hold no legacy credentials (src/relations/vault-kv/legacy.ts). */
  withdrawn?: boolean;
  /** The server certificate (public, as are its CA and address) and when it is due for renewal. */
  serverCertificate?: { cert: string; ca: string; address: string; renewalDueMs: number };
  /**
   * The charm's config as config-get gave it. Config options hold no secret: those of type secret
   * hold a secret's URI, never its content.
   */
  config?: Record<string, unknown>;
  /** The statuses this unit last set. */
  status?: { unit: Verdict; app: Verdict | null };
}

interface StoredMemo extends HookMemo {
  format: number;
  /** When the hook that looked at everything ran (ms since the epoch). */
  at: number;
  leader: boolean;
}

const file = () => join(vaultPaths().charmState, "hook-memo.json");

let given: StoredMemo | null = null;
let next: StoredMemo | null = null;
/** The last hook's memo in a hook other than update-status, on the same terms as `given`. */
let previous: StoredMemo | null = null;

function readStored(): StoredMemo | null {
  const parsed = readJsonOrNull(file()) as Partial<StoredMemo> | null;
  return parsed?.format === FORMAT && typeof parsed.at === "number" && typeof parsed.leader === "boolean" ? (parsed as StoredMemo) : null;
}

/**
 * Opens this hook's memo. `previousEndedCleanly` comes from the unfinished-hook note; anything else
 * (another event, a different leadership, an old or unreadable memo) starts from nothing.
 */
export function openMemo(opts: { updateStatus: boolean; previousEndedCleanly: boolean; leader: boolean; nowMs?: number }): void {
  const now = opts.nowMs ?? Date.now();
  const stored = opts.previousEndedCleanly ? readStored() : null;
  const usable = stored && stored.leader === opts.leader && stored.at <= now && now - stored.at < MEMO_MAX_AGE_MS ? stored : null;
  given = opts.updateStatus ? usable : null;
  previous = opts.updateStatus ? null : usable;
  next = given ? structuredClone(given) : { format: FORMAT, at: now, leader: opts.leader };
}

/**
 * One finding of the last hook, in a hook that is not update-status, for a caller that knows why it
 * still holds (the hook before ended cleanly, leadership is what it was, the memo is under an hour
 * old). What this hook remembers then dates from that memo's full look, so the hourly full look of
 * update-status still comes within the hour of it.
 */
export function lastHookFinding<K extends keyof HookMemo>(key: K): HookMemo[K] | undefined {
  const value = previous?.[key];
  if (value !== undefined && next && previous) next.at = Math.min(next.at, previous.at);
  return value;
}

/** What the last hook found, when this hook may take it as given; undefined otherwise. */
export function recall<K extends keyof HookMemo>(key: K): HookMemo[K] | undefined {
  return given?.[key];
}

/** Whether this update-status takes the last hook's findings as given. */
export function memoTrusted(): boolean {
  return given !== null;
}

/** Records what this hook found, for the next update-status. */
export function remember<K extends keyof HookMemo>(key: K, value: HookMemo[K]): void {
  if (next) (next as HookMemo)[key] = value;
}

/** The hook ended cleanly: what it found is kept for the next one. */
export function saveMemo(): void {
  if (!next) return;
  try {
    writeFileSync(file(), JSON.stringify(next), { mode: 0o600 });
  } catch {
    // Before install has made the state directory, or a full disk: the next hook looks again.
    rmSync(file(), { force: true });
  }
}

/**
 * relation-ids for an endpoint: what the last hook saw, in an update-status that trusts it (Juju
 * runs relation-created and relation-broken before any update-status), or what this hook was told
 * already (a hook's relations stay as they were when it started), else asked and remembered.
 */
export function endpointRelationIds(endpoint: string): number[] {
  const known = given?.relationIds?.[endpoint] ?? next?.relationIds?.[endpoint];
  if (known) return [...known];
  const ids = relationIds(endpoint);
  if (next) next.relationIds = { ...next.relationIds, [endpoint]: ids };
  return ids;
}
