// What the charm created in Vault for each vault-kv consumer unit, kept in the peer relation's app
// databag so any future leader can find it. It is how departed units and broken relations are
// cleaned up even when their hooks were missed: whatever is recorded but no longer wanted goes.
import { peerAppObject, setPeerAppValues } from "../peers.js";
import type { Dialect } from "./requests.js";

const LEDGER_KEY = "vault-kv-consumers";

export interface ConsumerRecord {
  dialect: Dialect;
  relationId: number;
  /** Juju unit name of the consumer. */
  unit: string;
  /** AppRole and policy (same name). */
  role: string;
  mount: string;
  /** Hash of everything the credential depends on; a change issues a new one. */
  inputs: string;
  /** Fingerprint of the unit's bag, its app's and the config when it was last served (unset: look again). */
  seen?: string;
  /** Incremented with each credential issued; secret-ids carry it in their metadata. */
  generation: number;
  /** Legacy: the requirer's own unit_name, which prefixes its keys in the databag. */
  credentialKey?: string;
  /** Legacy: whether the unit's policy is confined to its host path, the host name, and its access address block. */
  isolated?: boolean;
  hostname?: string;
  access?: string;
  /** Legacy: a token was republished because the last was unwrapped and never used; set until a login is seen. */
  healPending?: boolean;
  /** Legacy: the current generation's secret-id has been used to log in. */
  confirmed?: boolean;
  /**
   * Legacy: accessors (under `role`) of the secret-ids a reissue replaced. They are destroyed by the
   * next leader hook, once this record, and the new token with it, is known to be committed: a
   * hook killed between issuing and exiting must leave the unit's old secret-id working.
   */
  retiring?: string[];
  /** v0: the nonce the unit's credentials are listed under. */
  nonce?: string;
  /** v0: the Juju secret holding the credentials (which secret-id each revision holds: src/secrets/ledger.ts). */
  secretId?: string;
  /** Written by earlier versions, moved to the secrets ledger when read (see adoptRevisionFields). */
  revision?: number;
  accessor?: string;
  retired?: Record<string, string>;
}

export type Ledger = Record<string, ConsumerRecord>;

export const ledgerKey = (relationId: number, unit: string) => `${relationId}:${unit}`;

export function readLedger(app: string): Ledger {
  return readLedgerText(app).ledger;
}

/** The ledger and the text it was read from, which writeLedger compares the hook's ledger with. */
export function readLedgerText(app: string): { ledger: Ledger; text: string } {
  const { value, text } = peerAppObject<ConsumerRecord>(app, LEDGER_KEY);
  return { ledger: value, text };
}

/** Writes the ledger when it differs from the text it was read from (leader only). */
export function writeLedger(app: string, readText: string, after: Ledger): void {
  const next = JSON.stringify(after);
  if (next === readText) return;
  setPeerAppValues(app, { [LEDGER_KEY]: Object.keys(after).length ? next : "" });
}
