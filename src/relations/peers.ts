// The vault-peers relation's application bag, where the leader keeps its ledgers so any future
// leader finds them. Read once per hook (every ledger lives there) and kept in step with this
// hook's own writes.
import { relationGet, relationIds, relationSet } from "../juju/index.js";

const PEER_ENDPOINT = "vault-peers";

let cached: { relationId: number | null; bag: Record<string, string> } | null = null;

function peerBag(app: string): { relationId: number | null; bag: Record<string, string> } {
  if (!cached) {
    const relationId = relationIds(PEER_ENDPOINT)[0] ?? null;
    cached = { relationId, bag: relationId === null ? {} : relationGet(relationId, app, { app: true }) };
  }
  return cached;
}

export function peerAppValue(app: string, key: string): string | undefined {
  return peerBag(app).bag[key];
}

/** Writes keys of the peer app bag (leader only); "" deletes a key. */
export function setPeerAppValues(app: string, values: Record<string, string>): void {
  const peer = peerBag(app);
  if (peer.relationId === null) throw new Error(`the ${PEER_ENDPOINT} relation is missing: cannot record ${Object.keys(values).join(", ")}`);
  relationSet(peer.relationId, values, { app: true });
  for (const [key, value] of Object.entries(values)) {
    if (value === "") delete peer.bag[key];
    else peer.bag[key] = value;
  }
}
