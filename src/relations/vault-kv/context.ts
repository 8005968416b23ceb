// What serving one vault-kv relation needs: the charm's Vault session, the mounts already there,
// the ledgers being updated, where Vault answers, and the verdicts to report.
import type { Hook } from "../../hook.js";
import type { CredentialLedger } from "../../secrets/ledger.js";
import type { Verdict } from "../../status.js";
import type { VaultClient } from "../../vault/client.js";
import type { MountInfo } from "../../vault/sys.js";
import type { VaultEndpoint } from "../../workload.js";
import type { Ledger } from "./ledger.js";

export interface ServeContext {
  hook: Hook;
  vault: VaultClient;
  mounts: Record<string, MountInfo>;
  ledger: Ledger;
  /** Which secret-id each revision of each consumer's credentials secret holds. */
  credentials: CredentialLedger;
  endpoint: VaultEndpoint;
  verdicts: Verdict[];
  /** Ledger keys whose credentials must be reissued this hook (refresh-secrets). */
  refresh: Set<string>;
}

/** One consumer relation as read once per hook: the requirer's app bag and each unit's bag. */
export interface ConsumerRelation {
  id: number;
  appBag: Record<string, string>;
  /** Remote unit -> its databag, in relation-list order. */
  unitBags: Map<string, Record<string, string>>;
}


/** CIDRs credentials are bound to: the unit's addresses, or none when bind-cidr is off. */
export function bindCidrs(hook: Hook, cidrs: string[]): string[] {
  return hook.config.bindCidr ? [...new Set(cidrs)].sort() : [];
}
