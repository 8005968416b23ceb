// The vault-peers relation: what units of this application tell each other. The leader keeps its
// ledgers and its word to the other units in the application bag, so any future leader finds them;
// the bag is read once per hook and kept in step with this hook's own writes. Every unit writes its
// own unit bag.
//
// A hook that ends cleanly also keeps the app bag as it leaves it in a file of the unit's own, which
// an update-status that trusts the last hook (src/hook-memo.ts) reads instead of asking Juju: only
// the leader writes the bag, and Juju runs leader-elected before any update-status on a unit that
// becomes leader, and relation-changed on every other unit when the leader changes it, so the bag
// is what the last hook saw. The bag holds no secret (roles, accessors, secret URIs, prefixes).
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { endpointRelationIds, memoTrusted } from "../hook-memo.js";
import { changedKeys, relationGet, relationSet } from "../juju/index.js";
import { readJsonOrNull, writeFileIfChanged } from "../vault/files.js";
import { vaultPaths } from "../vault/paths.js";

export const PEER_ENDPOINT = "vault-peers";

let relationId: number | null | undefined;
let appBag: Record<string, string> | undefined;
/** Whether the file no longer holds the bag as it is: read from Juju, or written by this hook. */
let appBagChanged = false;

const keptBagFile = () => join(vaultPaths().charmState, "peer-app-bag.json");

/** The app bag as the last clean hook left it, for that relation; null when there is none to trust. */
function keptAppBag(id: number): Record<string, string> | null {
  const kept = readJsonOrNull(keptBagFile()) as { relationId?: unknown; bag?: unknown } | null;
  if (kept?.relationId !== id || !kept.bag || typeof kept.bag !== "object" || Array.isArray(kept.bag)) return null;
  return Object.values(kept.bag).every((v) => typeof v === "string") ? (kept.bag as Record<string, string>) : null;
}

/**
 * At the end of a hook that ended cleanly (its relation-set calls are committed): keeps the app bag
 * for the next update-status, or forgets it when this hook did not read it.
 */
export function keepPeerAppBag(): void {
  // Before install has made the state directory, nothing is kept (and the directory is not made here).
  if (relationId !== undefined && relationId !== null && appBag !== undefined && existsSync(vaultPaths().charmState)) {
    if (!appBagChanged) return;
    try {
      // Read from Juju, it is mostly what the file holds already (hundreds of KB at a thousand consumers).
      writeFileIfChanged(keptBagFile(), JSON.stringify({ relationId, bag: appBag }), 0o600);
      return;
    } catch {
      // A full disk: forgotten below.
    }
  }
  rmSync(keptBagFile(), { force: true });
}

export function peerRelationId(): number | null {
  relationId ??= endpointRelationIds(PEER_ENDPOINT)[0] ?? null;
  return relationId;
}

function peerBagOf(app: string): { relationId: number | null; bag: Record<string, string> } {
  const id = peerRelationId();
  if (appBag === undefined) {
    const kept = id !== null && memoTrusted() ? keptAppBag(id) : null;
    appBag = kept ?? (id === null ? {} : relationGet(id, app, { app: true }));
    appBagChanged = kept === null;
  }
  return { relationId: id, bag: appBag };
}

export function peerAppValue(app: string, key: string): string | undefined {
  return peerBagOf(app).bag[key];
}

/**
 * A JSON object the leader keeps under `key` in the peer app bag, and the text it was read from
 * ("{}" when there is none, or none that parses as an object): a writer compares what it would
 * write with that text, rather than copying the object or serialising it a second time (at a
 * thousand consumers the leader's ledgers are hundreds of KB, read in every leader hook).
 */
export function peerAppObject<T>(app: string, key: string): { value: Record<string, T>; text: string } {
  const raw = peerAppValue(app, key);
  if (raw) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return { value: parsed as Record<string, T>, text: raw };
    } catch {
      // An unreadable value counts as empty (and is written over once there is something to keep).
    }
  }
  return { value: {}, text: "{}" };
}

/** Writes the keys of the peer app bag (leader only) that differ from what it holds; "" deletes a key. */
export function setPeerAppValues(app: string, values: Record<string, string>): void {
  const peer = peerBagOf(app);
  if (peer.relationId === null) throw new Error(`the ${PEER_ENDPOINT} relation is missing: cannot record ${Object.keys(values).join(", ")}`);
  const changed = changedKeys(peer.bag, values);
  if (Object.keys(changed).length === 0) return;
  relationSet(peer.relationId, changed, { app: true });
  appBagChanged = true;
  for (const [key, value] of Object.entries(changed)) {
    if (value === "") delete peer.bag[key];
    else peer.bag[key] = value;
  }
}

/** Sets keys of this unit's peer bag that differ; false when there is no peer relation yet. */
export function setPeerUnitValues(unitName: string, values: Record<string, string>): boolean {
  const peer = peerRelationId();
  if (peer === null) return false;
  relationSet(peer, changedKeys(relationGet(peer, unitName), values));
  return true;
}
