// What every handler receives: the Juju context, the event, and the facts read once per hook.
import type { CharmConfig } from "./config.js";
import type { JujuContext, JujuEvent, Logger } from "./juju/index.js";

export interface Hook {
  juju: JujuContext;
  event: JujuEvent;
  log: Logger;
  isLeader: boolean;
  config: CharmConfig;
  /** Config values that were rejected, each "<option>: <why>". */
  configProblems: string[];
}

/** The endpoints declared in metadata.yaml; relation hooks for other names are ignored. */
export const CHARM_ENDPOINTS: ReadonlySet<string> = new Set(["secrets", "vault-kv", "etcd", "vault-peers"]);
