// Secret-ids a legacy reissue replaced go in the leader hook after the one that issued, not in the
// same one: relation data (the new wrapped token) and the ledger are committed only when a hook
// exits 0, so a hook killed after issuing must leave the unit's old secret-id working. The reissue
// records the accessors in the unit's ledger record, committed together with the new token; any
// later leader hook that reaches Vault destroys them first thing. Only records so flagged cost a
// Vault request, so update-status stays as cheap as before for a quiet fleet.
import type { Hook } from "../../hook.js";
import { listSecretIdAccessors } from "../../vault/approle.js";
import type { VaultClient } from "../../vault/client.js";
import { isConsumerFault } from "./context.js";
import { destroySecretIds } from "./credentials.js";
import type { Ledger } from "./ledger.js";
import { CONSUMER_APPROLE_MOUNT } from "./vault-objects.js";

/**
 * Accessors marked for retirement by this hook itself. One hook may serve consumers twice (an action,
 * then the hook's own reconcile), and the second reads the ledger as the first left it, uncommitted:
 * those marks are not to be acted on before this hook has exited 0.
 */
const markedThisHook = new WeakMap<Hook, Set<string>>();

/** Notes accessors a reissue in this hook marked for retirement. */
export function markedForRetirement(hook: Hook, accessors: readonly string[]): void {
  const marked = markedThisHook.get(hook) ?? new Set<string>();
  for (const accessor of accessors) marked.add(accessor);
  markedThisHook.set(hook, marked);
}

/** Destroys the secret-ids committed records mark as replaced; clears each record's mark once done. */
export async function retireReplacedSecretIds(hook: Hook, vault: VaultClient, ledger: Ledger): Promise<void> {
  const fresh = markedThisHook.get(hook) ?? new Set<string>();
  for (const record of Object.values(ledger)) {
    if (!record.retiring) continue;
    const committed = record.retiring.filter((accessor) => !fresh.has(accessor));
    const kept = record.retiring.filter((accessor) => fresh.has(accessor));
    if (committed.length === 0) {
      if (kept.length === 0) delete record.retiring;
      continue;
    }
    try {
      // Those still live only: an earlier hook may have destroyed some before it was killed.
      const pending = new Set(committed);
      const live = (await listSecretIdAccessors(vault, CONSUMER_APPROLE_MOUNT, record.role)).filter((accessor) => pending.has(accessor));
      await destroySecretIds(vault, record.role, live);
      if (kept.length > 0) record.retiring = kept;
      else delete record.retiring;
      if (live.length > 0) hook.log.info(`vault-kv: revoked ${live.length} secret-id(s) of ${record.unit} replaced by the credentials published for it`);
    } catch (error) {
      if (!isConsumerFault(error)) throw error;
      // Kept for the next leader hook; the unit's current credentials are not affected.
      hook.log.warn(`vault-kv: could not yet revoke ${record.unit}'s replaced secret-id(s): ${error.message}`);
    }
  }
}
