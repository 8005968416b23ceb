// Consumer units the leader is waiting on: when it last read their data, it made no request yet (a
// bag still being filled in) or made one the charm refuses for what it says. Only the requirer can
// change either, and when it does Juju runs relation-changed naming that unit (or the relation, for
// its application's data), which reads it again (scope.ts, provider.ts). Until then such a unit's
// bag is not read: when a fleet joins at once, every hook of the leader would otherwise read every
// unit that has not written yet, and provisioning N units would cost N² relation-gets.
//
// Kept by the leader in a 0600 file: relation ids, unit names and refusal reasons, no secret. A new
// leader, a changed config or charm and refresh-secrets read every unit anyway (scope.ts), and a
// missing or unreadable file only means reading them again.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Hook } from "../../hook.js";
import { readFileOrNull, readJsonOrNull } from "../../vault/files.js";
import { vaultPaths } from "../../vault/paths.js";

const FORMAT = 1;
const file = () => join(vaultPaths().charmState, "vault-kv-awaiting.json");

/** The endpoints vault-kv consumers relate to (provider.ts serves them). */
export const VAULT_KV_ENDPOINTS = ["secrets", "vault-kv"] as const;

/** Ledger key (relation id:unit) -> why its request is refused, or null while it is incomplete. */
type Awaited = Map<string, string | null>;

const relationOf = (key: string) => Number(key.slice(0, key.indexOf(":")));

function readStored(): Awaited {
  const stored = readJsonOrNull(file()) as { format?: number; units?: Record<string, string | null> } | null;
  const units = stored?.format === FORMAT && stored.units && typeof stored.units === "object" ? stored.units : {};
  return new Map(Object.entries(units).filter(([, reason]) => reason === null || typeof reason === "string"));
}

/** The consumer relation a relation hook (any kind) is about, or null for any other hook. */
export function consumerRelationOf(hook: Hook, endpoints: readonly string[] = VAULT_KV_ENDPOINTS): number | null {
  const { event, juju } = hook;
  return event.type === "relation" && endpoints.includes(event.endpoint) && juju.relation ? juju.relation.id : null;
}

/**
 * The consumer relation and unit whose new data Juju runs this hook for (unit null: the requirer
 * application's data), or null when the hook is not about a consumer's data.
 */
export function announcedChange(hook: Hook, endpoints: readonly string[] = VAULT_KV_ENDPOINTS): { relationId: number; unit: string | null } | null {
  const relationId = consumerRelationOf(hook, endpoints);
  const kind = hook.event.type === "relation" ? hook.event.kind : null;
  return relationId !== null && (kind === "joined" || kind === "changed") ? { relationId, unit: hook.juju.remoteUnit } : null;
}

/**
 * At the start of every hook Juju runs for a consumer unit's new data (or its application's), what
 * was known of that data is dropped: the hook may not get to serve consumers (Vault sealed, this
 * unit not the leader, no session), and the unit must then be read by a later hook, not be taken
 * as still wanting.
 */
export function forgetAnnounced(hook: Hook): void {
  const changed = announcedChange(hook);
  if (!changed) return;
  const known = readStored();
  if (known.size === 0) return;
  const { relationId, unit } = changed;
  const announced = (key: string) => relationOf(key) === relationId && (unit === null || key === `${relationId}:${unit}`);
  const kept = new Map([...known].filter(([key]) => !announced(key)));
  if (kept.size < known.size) writeStored(kept);
}

function writeStored(units: Awaited): void {
  const text = JSON.stringify({ format: FORMAT, units: Object.fromEntries([...units].sort(([a], [b]) => a.localeCompare(b))) });
  if (readFileOrNull(file()) === text) return;
  try {
    if (units.size === 0) rmSync(file(), { force: true });
    else writeFileSync(file(), text, { mode: 0o600 });
  } catch {
    // Before install has made the state directory: the next hook reads these units again.
    rmSync(file(), { force: true });
  }
}

export class AwaitingRequirers {
  private readonly next: Awaited;

  private constructor(private readonly known: Awaited) {
    this.next = new Map(known);
  }

  /** What the last hooks found; nothing when `everything` (a hook that reads every unit anyway). */
  static read(everything: boolean): AwaitingRequirers {
    return new AwaitingRequirers(everything ? new Map() : readStored());
  }

  /** Whether the unit's data is left unread: the requirer has not changed it since it was read. */
  has(key: string): boolean {
    return this.known.has(key);
  }

  /** Why the unit's request was refused when it was read (null: it was incomplete). */
  refusal(key: string): string | null {
    return this.known.get(key) ?? null;
  }

  /** The unit's data was read this hook: what it made of it replaces what was known. */
  reread(key: string): void {
    this.next.delete(key);
  }

  /** The unit's data makes no request yet (reason null), or one refused for `reason`. */
  await(key: string, reason: string | null): void {
    this.next.set(key, reason);
  }

  /** Forgets units that are no longer on `relationId`. */
  keepUnits(relationId: number, units: Set<string>): void {
    for (const key of this.next.keys()) if (relationOf(key) === relationId && !units.has(key)) this.next.delete(key);
  }

  /** Forgets relations that are gone. */
  keepRelations(relationIds: Set<number>): void {
    for (const key of this.next.keys()) if (!relationIds.has(relationOf(key))) this.next.delete(key);
  }

  /** Kept for the next hook, when it changed. */
  write(): void {
    writeStored(this.next);
  }
}
