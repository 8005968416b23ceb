// The peer relation (vault-peers): what units of this application tell each other. The leader
// writes the app databag; every unit writes its own unit databag.
import { relationGet, relationIds, relationSet } from "../juju/index.js";

export const PEER_ENDPOINT = "vault-peers";

export function peerRelationId(): number | null {
  return relationIds(PEER_ENDPOINT)[0] ?? null;
}

/** One key of the peer app databag; undefined without a peer relation (or without the key). */
export function peerAppValue(appName: string, key: string): string | undefined {
  const peer = peerRelationId();
  return peer === null ? undefined : relationGet(peer, appName, { app: true })[key];
}

/** Sets keys of the peer app databag (leader only) that differ from what is there. */
export function setPeerAppValues(appName: string, values: Record<string, string>): void {
  const peer = peerRelationId();
  if (peer === null) throw new Error(`the ${PEER_ENDPOINT} relation is missing`);
  const current = relationGet(peer, appName, { app: true });
  const changed = Object.fromEntries(Object.entries(values).filter(([key, value]) => (current[key] ?? "") !== value));
  if (Object.keys(changed).length > 0) relationSet(peer, changed, { app: true });
}

/** Sets keys of this unit's peer databag that differ; false when there is no peer relation yet. */
export function setPeerUnitValues(unitName: string, values: Record<string, string>): boolean {
  const peer = peerRelationId();
  if (peer === null) return false;
  const current = relationGet(peer, unitName);
  const changed = Object.fromEntries(Object.entries(values).filter(([key, value]) => (current[key] ?? "") !== value));
  if (Object.keys(changed).length > 0) relationSet(peer, changed);
  return true;
}
