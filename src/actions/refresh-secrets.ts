// `refresh-secrets`: new credentials for vault-kv consumers, all of them or one relation or unit.
import { reconcileVaultKv } from "../relations/vault-kv/provider.js";
import { readLedger } from "../relations/vault-kv/ledger.js";
import { ActionError, optionalString, requireLeader, type ActionContext } from "./index.js";

export async function run({ hook, params, charmVault, endpoint }: ActionContext): Promise<Record<string, unknown>> {
  requireLeader(hook, "refresh-secrets");
  const relationId = params["relation-id"];
  if (relationId !== undefined && (typeof relationId !== "number" || !Number.isInteger(relationId) || relationId < 0)) {
    throw new ActionError("parameter relation-id must be a relation number, e.g. 7 for secrets:7");
  }
  const unit = optionalString(params, "unit");
  if (unit !== undefined && !/^[a-z][a-z0-9-]*\/\d+$/.test(unit)) throw new ActionError(`parameter unit must name a unit, e.g. kv-consumer/1`);
  if (!endpoint) throw new ActionError("Vault is not running on this unit yet: see juju status");
  const matching = Object.values(readLedger(hook.juju.appName)).filter((r) => (relationId === undefined || r.relationId === relationId) && (unit === undefined || r.unit === unit));
  if (matching.length === 0) throw new ActionError("no vault-kv consumer matches: see the relation ids in juju status");
  const verdicts = await reconcileVaultKv(hook, await charmVault(), endpoint, {
    refresh: (record) => record !== undefined && (relationId === undefined || record.relationId === relationId) && (unit === undefined || record.unit === unit),
  });
  return { refreshed: matching.map((r) => r.unit).sort().join(","), ...(verdicts.length ? { warnings: verdicts.map((v) => v.message).join("; ") } : {}) };
}
