// The vault-kv provider, on the leader: serve every relation on both endpoints in the dialect its
// requirer speaks, then sweep what the ledger holds for units and relations that are gone: their
// AppRoles, policies and credential secrets (the data in their mounts is kept).
import type { Hook } from "../../hook.js";
import { endpointRelationIds, lastHookFinding, recall, remember } from "../../hook-memo.js";
import { relationGet, relationRemoteApp, relationUnits, secretRemove, SecretNotFoundError, stateGetAll, stateSet } from "../../juju/index.js";
import { secretDueForReissue } from "../../secrets/events.js";
import { CredentialLedger, sameSecret } from "../../secrets/ledger.js";
import type { Verdict } from "../../status.js";
import type { VaultClient } from "../../vault/client.js";
import { listMounts, type MountInfo } from "../../vault/sys.js";
import type { VaultEndpoint } from "../../workload.js";
import { isConsumerFault, refuse, type ConsumerRelation, type ServeContext } from "./context.js";
import { AwaitingRequirers, VAULT_KV_ENDPOINTS } from "./awaiting.js";
import { ledgerKey, readLedgerText, writeLedger, type ConsumerRecord, type Ledger } from "./ledger.js";
import { inputsFingerprint, lookScope, type LookScope } from "./scope.js";
import { requestStraySweep } from "../../unfinished-hook.js";
import { peerAppValue, peerRelationId, setPeerAppValues } from "../peers.js";
import { firstLoginsSettled, serveLegacy } from "./legacy.js";
import { retireReplacedSecretIds } from "./retirements.js";
import { detectDialect } from "./requests.js";
import { serveV0 } from "./v0.js";
import { Tenancy } from "./tenants.js";
import { CONSUMER_APPROLE_MOUNT, removeConsumer } from "./vault-objects.js";

export { VAULT_KV_ENDPOINTS } from "./awaiting.js";

export interface ProviderOptions {
  /** Which recorded consumers get new credentials this hook (refresh-secrets). */
  refresh?: (record: ConsumerRecord | undefined, key: string) => boolean;
}

async function removeRecord(hook: Hook, vault: VaultClient, record: ConsumerRecord, credentials: CredentialLedger): Promise<void> {
  await removeConsumer(vault, record.role);
  if (record.secretId) {
    // Deleting the role destroyed every secret-id its revisions held.
    credentials.forget(record.secretId);
    try {
      secretRemove(record.secretId);
    } catch (error) {
      if (!(error instanceof SecretNotFoundError)) throw error;
    }
  }
  hook.log.info(`vault-kv: removed ${record.role} (${record.unit} left relation ${record.relationId}); data in ${record.mount} is kept`);
}

const LEAVING_KEY = "vault-kv-unit-leaving";
/** Peer app key: the unit that served the consumers last. */
const SERVED_BY_KEY = "vault-kv-served-by";

/**
 * Whether this unit is on its way out. In its own relation-departed hooks (JUJU_DEPARTING_UNIT is
 * itself) every consumer leaves its view one by one, though none of them left the relation: the
 * unit remembers it, and never again removes consumers' credentials on the strength of what it sees.
 */
function unitIsLeaving(hook: Hook): boolean {
  if (hook.event.type === "lifecycle" && (hook.event.hook === "stop" || hook.event.hook === "remove")) return true;
  if (hook.juju.departingUnit && hook.juju.departingUnit === hook.juju.unitName) {
    stateSet({ [LEAVING_KEY]: "true" });
    return true;
  }
  return stateGetAll()[LEAVING_KEY] === "true";
}

export async function reconcileVaultKv(hook: Hook, vault: VaultClient, endpoint: VaultEndpoint, options: ProviderOptions = {}): Promise<Verdict[]> {
  // Without the peer relation there is no ledger to read or write: a leaving unit's
  // vault-peers-relation-broken (Juju lists the relation no more), where serving would take every
  // consumer for new and reissue its credentials.
  if (!hook.isLeader || peerRelationId() === null) return [];
  const { ledger, text: ledgerText } = readLedgerText(hook.juju.appName);
  const credentials = CredentialLedger.read(hook.juju.appName);
  for (const record of Object.values(ledger)) adoptRevisionFields(record, credentials);
  // What the last committed reissues replaced: their new tokens are published now.
  await retireReplacedSecretIds(hook, vault, ledger);
  // secret-rotate (or secret-expired) for a consumer's credentials: that consumer gets new ones.
  const due = secretDueForReissue(hook);
  const refresh = new Set(Object.keys(ledger).filter((key) => options.refresh?.(ledger[key], key) || (due && sameSecret(ledger[key]!.secretId, due))));
  // A unit that did not serve the consumers last (leadership moved, whatever hook runs first)
  // looks at every one of them: its own databag holds none of the legacy credentials yet.
  const newLeader = peerAppValue(hook.juju.appName, SERVED_BY_KEY) !== hook.juju.unitName;
  const scope = await lookScope(hook, vault, ledger, VAULT_KV_ENDPOINTS, Date.now(), options.refresh !== undefined || newLeader);
  let state: Promise<{ mounts: Record<string, MountInfo>; tenancy: Tenancy }> | null = null;
  const ctx: ServeContext = {
    hook,
    vault,
    vaultState: () =>
      (state ??= listMounts(vault).then((mounts) => ({ mounts, tenancy: Tenancy.read(hook.juju.appName, mounts) }))),
    ledger,
    credentials,
    endpoint,
    verdicts: [],
    publish: [],
    refresh,
    limits: { breadth: hook.config.kvBindMinPrefix },
    recheck: (key) => scope.full || refresh.has(key) || scope.recheck.has(key),
    fingerprint: (unitBag, appBag) => inputsFingerprint(hook, unitBag, appBag),
    awaiting: AwaitingRequirers.read(scope.full),
  };
  const wanted = new Set<string>();
  const verdictsByRelation: Record<string, Verdict[]> = {};
  try {
    await serveAll(ctx, scope, wanted, verdictsByRelation);
  } catch (error) {
    // Credentials issued before the fault are published nowhere (relation data and the ledger are
    // written below only): the next update-status looks for them even if this hook exits 0.
    requestStraySweep();
    throw error;
  }
  const gone = Object.keys(ledger).filter((key) => !wanted.has(key));
  if (gone.length > 0 && unitIsLeaving(hook)) {
    hook.log.info(`vault-kv: this unit is leaving; the ${gone.length} consumer(s) it no longer sees keep their credentials (the next leader serves them)`);
  } else {
    for (const key of gone) {
      await removeRecord(hook, vault, ledger[key]!, credentials);
      delete ledger[key];
    }
  }
  // Relation data and the ledger are committed together when the hook exits 0; nothing of either
  // is written when serving failed part-way (the next hook serves again from the committed ledger).
  for (const write of ctx.publish) write();
  writeLedger(hook.juju.appName, ledgerText, ledger);
  ctx.awaiting.keepRelations(new Set(VAULT_KV_ENDPOINTS.flatMap((name) => endpointRelationIds(name))));
  ctx.awaiting.write();
  if (newLeader) setPeerAppValues(hook.juju.appName, { [SERVED_BY_KEY]: hook.juju.unitName });
  if (state || gone.length > 0) (await ctx.vaultState()).tenancy.write(hook.juju.appName, ledger);
  credentials.write();
  remember("consumers", verdictsByRelation);
  return ctx.verdicts;
}

/** The ledger keys of one relation's consumer units. */
const keysOfRelation = (ledger: Ledger, relationId: number) => Object.keys(ledger).filter((key) => ledger[key]!.relationId === relationId);

/**
 * Whether a relation can be left unread, keeping its records and the verdicts it had:
 * - in an update-status that trusts the last hook's findings (src/hook-memo.ts), which served this
 *   relation completely;
 * - in a hook about another consumer relation (its joined, changed, departed or broken), when the
 *   last hook ended cleanly on this leader: Juju queues a hook on this unit for every change of a
 *   relation's membership or data, so whatever changed in this one is served by its own hook, and
 *   until then it stands as the last hook left it. (Reading it anyway made every consumer
 *   application's hooks cost as much as the units of all of them.)
 * Either way only when none of its consumers is due a look (drift found in Vault, a failed attempt,
 * a rotation), or only for the first-login check, which needs this unit's own bag alone unless a new
 * token is due.
 */
async function settled(ctx: ServeContext, scope: LookScope, relationId: number): Promise<Verdict[] | null> {
  if (scope.full || scope.about === relationId) return null;
  const known = recall("consumers") ?? (scope.about !== null ? lastHookFinding("consumers") : undefined);
  const verdicts = known?.[String(relationId)];
  if (!verdicts) return null;
  const due = keysOfRelation(ctx.ledger, relationId).filter((key) => ctx.recheck(key));
  if (due.length === 0) return verdicts;
  if (!due.every((key) => scope.firstLogin.has(key))) return null;
  return (await firstLoginsSettled(ctx, relationId, due)) ? verdicts : null;
}

/**
 * Serves every consumer relation on both endpoints; the ledger keys still wanted go in `wanted`,
 * each relation's verdicts in `verdictsByRelation`.
 */
async function serveAll(ctx: ServeContext, scope: LookScope, wanted: Set<string>, verdictsByRelation: Record<string, Verdict[]>): Promise<void> {
  const { ledger } = ctx;
  for (const name of VAULT_KV_ENDPOINTS) {
    for (const relationId of endpointRelationIds(name)) {
      const unchanged = await settled(ctx, scope, relationId);
      if (unchanged) {
        for (const key of keysOfRelation(ledger, relationId)) wanted.add(key);
        ctx.verdicts.push(...unchanged);
        verdictsByRelation[relationId] = unchanged;
        continue;
      }
      const mark = ctx.verdicts.length;
      await serveRelation(ctx, scope, wanted, name, relationId);
      verdictsByRelation[relationId] = ctx.verdicts.slice(mark);
    }
  }
}

async function serveRelation(ctx: ServeContext, scope: LookScope, wanted: Set<string>, name: string, relationId: number): Promise<void> {
  const { ledger } = ctx;
  const remoteApp = relationRemoteApp(relationId);
  if (!remoteApp) return;
  const appChanged = scope.changed?.relationId === relationId && scope.changed.unit === null;
  // Read: what Juju says changed, what is due a look, and a unit never served unless the requirer
  // has not touched its data since it was read and found wanting (awaiting.ts).
  const look = (unit: string) => {
    const key = ledgerKey(relationId, unit);
    return appChanged || scope.changed?.unit === unit || ctx.recheck(key) || (!ledger[key]?.seen && !ctx.awaiting.has(key));
  };
  const relation: ConsumerRelation = {
    id: relationId,
    endpoint: name,
    app: remoteApp,
    appBag: relationGet(relationId, remoteApp, { app: true }),
    unitBags: new Map(relationUnits(relationId).map((u) => [u, look(u) ? relationGet(relationId, u) : null])),
  };
  const keys = new Map([...relation.unitBags.keys()].map((unit) => [unit, ledgerKey(relationId, unit)]));
  ctx.awaiting.keepUnits(relationId, new Set(keys.values()));
  for (const [unit, bag] of relation.unitBags) if (bag) ctx.awaiting.reread(keys.get(unit)!);
  // Units left unread whose request was refused when last read: still refused (keeping what they
  // had, if anything), and the status says so.
  for (const [unit, bag] of relation.unitBags) {
    const key = keys.get(unit)!;
    const reason = bag === null ? ctx.awaiting.refusal(key) : null;
    if (reason) refuse(ctx, relation, unit, reason);
  }
  const read = [...relation.unitBags.values()].filter((bag): bag is Record<string, string> => bag !== null);
  const dialect = detectDialect(relation.appBag, read) ?? Object.values(ledger).find((r) => r.relationId === relationId)?.dialect;
  if (!dialect) {
    // Nothing in any bag read says what it asks for yet: each of those units makes no request.
    for (const [unit, bag] of relation.unitBags) if (bag) ctx.awaiting.await(keys.get(unit)!, null);
    return;
  }
  try {
    const kept = dialect === "legacy" ? await serveLegacy(ctx, relation) : await serveV0(ctx, relation);
    for (const key of kept) wanted.add(key);
  } catch (error) {
    if (!isConsumerFault(error)) throw error;
    refuse(ctx, relation, remoteApp, error.message);
    for (const key of keysOfRelation(ledger, relationId)) wanted.add(key);
  }
}

/**
 * Earlier versions kept each v0 revision's secret-id accessor in the consumer's record; they now
 * live with every other owned secret's (src/secrets/ledger.ts), where secret-remove finds them.
 */
function adoptRevisionFields(record: ConsumerRecord, credentials: CredentialLedger): void {
  if (record.secretId) {
    const held = { ...record.retired, ...(record.accessor ? { [String(record.revision ?? 1)]: record.accessor } : {}) };
    for (const [revision, accessor] of Object.entries(held)) credentials.record(record.secretId, CONSUMER_APPROLE_MOUNT, Number(revision), [{ role: record.role, accessor }]);
  }
  delete record.revision;
  delete record.accessor;
  delete record.retired;
}

/** The leader's vault-kv work for any hook: the same reconcile every time (rotation included). */
export async function serveConsumers(hook: Hook, vault: VaultClient, endpoint: VaultEndpoint): Promise<Verdict[]> {
  return reconcileVaultKv(hook, vault, endpoint);
}
