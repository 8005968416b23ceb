// The legacy vault-kv dialect (endpoint `secrets`): per requirer unit a KV v1 backend, a policy, an
// AppRole bound to the unit's addresses and a response-wrapped secret-id, all published JSON-encoded
// in the leader's unit databag (DESIGN.md §3).
import { nodeCrypto } from "../../lazy-builtins.js";
import { endpointRelationIds, recall, remember } from "../../hook-memo.js";
import { generateWrappedSecretId } from "../../vault/approle.js";
import { wrappingTokenAlive } from "../../vault/sys.js";
import type { Hook } from "../../hook.js";
import { changedKeys, relationGet, relationSet } from "../../juju/index.js";
import { awaitValidRequest, bindCidrs, isConsumerFault, refuse, type ConsumerRelation, type ServeContext } from "./context.js";
import { inputsHash, liveSecretIds, retireRole, secretIdMetadata } from "./credentials.js";
import { ledgerKey } from "./ledger.js";
import { markedForRetirement } from "./retirements.js";
import { legacyMountName, legacyRoleName } from "./naming.js";
import { isolatedBackendPolicy, sharedBackendPolicy } from "./policies.js";
import { jsonOrRaw, parseLegacyRequest, type LegacyRequest } from "./requests.js";
import { consumerRoleName } from "./tenants.js";
import { CONSUMER_APPROLE_MOUNT, ensureKvMount, ensurePolicy, ensureRole } from "./vault-objects.js";

const json = (value: string) => JSON.stringify(value);
/** `<unit_name>_role_id` and `<unit_name>_token`: one requirer unit's credentials. */
const CREDENTIAL_KEY = /_(role_id|token)$/;

/** Serves every unit of one legacy relation; returns the ledger keys still wanted. */
export async function serveLegacy(ctx: ServeContext, relation: ConsumerRelation): Promise<Set<string>> {
  const { hook } = ctx;
  const relationId = relation.id;
  const own = relationGet(relationId, hook.juju.unitName);
  const desired: Record<string, string> = {
    vault_url: json(ctx.endpoint.url),
    // An external Vault trusted through the system store has no CA to send: the key is then unset.
    vault_ca: ctx.endpoint.caPem ? json(Buffer.from(ctx.endpoint.caPem).toString("base64")) : "",
  };
  const wanted = new Set<string>();
  const keep = (credentialKey: string | undefined) => {
    for (const suffix of ["_role_id", "_token"]) if (credentialKey && own[`${credentialKey}${suffix}`]) desired[`${credentialKey}${suffix}`] = own[`${credentialKey}${suffix}`]!;
  };
  for (const [unit, bag] of relation.unitBags) {
    const key = ledgerKey(relationId, unit);
    const record = ctx.ledger[key];
    const seen = bag ? ctx.fingerprint(bag, {}) : null;
    if (record && (bag === null || (record.seen === seen && !ctx.recheck(key)))) {
      // Nothing it depends on changed since it was served: no Vault request for it this hook.
      wanted.add(key);
      keep(record.credentialKey);
      continue;
    }
    if (!bag) continue;
    const parsed = parseLegacyRequest(unit, bag, ctx.limits);
    if (parsed.kind !== "valid") {
      // Refused or incomplete, the new request changes nothing: what the unit had it keeps.
      awaitValidRequest(ctx, relation, unit, key, parsed);
      if (record) {
        wanted.add(key);
        keep(record.credentialKey);
      }
      continue;
    }
    try {
      const token = await serveLegacyUnit(ctx, relation, key, parsed.request, own);
      if (token === null) continue;
      desired[`${parsed.request.unitName}_role_id`] = json(token.roleId);
      desired[`${parsed.request.unitName}_token`] = token.wrapped;
      ctx.ledger[key]!.seen = seen!;
      wanted.add(key);
    } catch (error) {
      if (!isConsumerFault(error)) throw error;
      // Vault refused something this unit asked for: it alone waits; what it had stays as it was,
      // and the next hook tries again.
      refuse(ctx, relation, unit, error.message);
      if (record) {
        wanted.add(key);
        keep(record.credentialKey);
        delete ctx.ledger[key]!.seen;
      }
    }
  }
  // Keys of units no longer served go (their Vault objects are removed by the provider's sweep).
  for (const existing of Object.keys(own)) if (CREDENTIAL_KEY.test(existing) && !(existing in desired)) desired[existing] = "";
  const changes = changedKeys(own, desired);
  ctx.publish.push(() => relationSet(relationId, changes));
  return wanted;
}

/** One unit's backend, policy, AppRole and wrapped secret-id; null when its request is refused. */
async function serveLegacyUnit(
  ctx: ServeContext,
  relation: ConsumerRelation,
  key: string,
  request: LegacyRequest,
  own: Record<string, string>,
): Promise<{ roleId: string; wrapped: string } | null> {
  const { hook, vault } = ctx;
  const unit = request.unit;
  const prefix = hook.config.kvMountPrefix;
  const mount = legacyMountName(request.backend, prefix);
  const { mounts, tenancy } = await ctx.vaultState();
  const problem = tenancy.legacyBackendProblem(mount, relation.app, request, ctx.ledger, key, new Set(hook.config.kvSharedBackends));
  if (problem) {
    refuse(ctx, relation, unit, problem);
    return null;
  }
  const record = ctx.ledger[key];
  const role = consumerRoleName(ctx.ledger, key, legacyRoleName(request.unitName, prefix), prefix, mount);
  const cidrs = bindCidrs(hook, request.cidrs);
  await ensureKvMount(vault, mounts, mount, 1, relation.app);
  await ensurePolicy(vault, role, request.isolated ? isolatedBackendPolicy(mount, request.hostname) : sharedBackendPolicy(mount));
  const roleId = await ensureRole(vault, role, { tokenPolicies: [role], tokenTtl: hook.config.tokenTtl, tokenMaxTtl: hook.config.tokenTtl, tokenBoundCidrs: cidrs, secretIdBoundCidrs: cidrs });
  if (record && record.role !== role) await retireRole(ctx, record.role, unit);

  const inputs = inputsHash({ mount, isolated: request.isolated, hostname: request.hostname, cidrs, ttl: hook.config.tokenTtl, key: request.unitName });
  const tokenKey = `${request.unitName}_token`;
  const published = own[tokenKey] ? jsonOrRaw(own[tokenKey]) : null;
  let generation = record?.generation ?? 0;
  let reissue = !record || record.inputs !== inputs || record.role !== role || ctx.refresh.has(key) || typeof published !== "string";
  let healPending = record?.healPending ?? false;
  let confirmed = record?.confirmed ?? false;
  if (!reissue) {
    const state = await publishedState(ctx, role, unit, generation, published as string, confirmed);
    if (state === "used") {
      healPending = false;
      confirmed = true;
    }
    // Gone, or nearly used up: issue again. Unwrapped but never used to log in: maybe not by its
    // unit (every requirer unit can read the leader's bag), so once, until a login shows the unit
    // has its secret-id, a new token; the old secret-id goes with the reissue below.
    reissue = reissueDue(state, healPending);
    if (state === "unwrapped-unused" && !healPending) {
      healPending = true;
      hook.log.warn(`vault-kv: the token published for ${unit} was unwrapped but its secret-id never logged in; publishing a new one (if ${unit} did not unwrap it, someone else did)`);
    }
  }
  let wrapped = own[tokenKey]!;
  // Replaced secret-ids still to revoke (normally none: the hook's start revoked them), under this
  // role only: a previous role went with its secret-ids above.
  let retiring = record && record.role === role ? (record.retiring ?? []) : [];
  if (reissue) {
    generation += 1;
    const issue = nodeCrypto().randomBytes(8).toString("hex");
    const issued = await generateWrappedSecretId(vault, CONSUMER_APPROLE_MOUNT, role, hook.config.wrapTtl, {
      cidrs,
      tokenBoundCidrs: cidrs,
      metadata: secretIdMetadata(unit, generation, issue),
      numUses: LEGACY_SECRET_ID_USES,
    });
    // The new token tells the requirer to unwrap again; the secret-ids it replaces go in the next
    // leader hook (retirements.ts), once this token is known to be published: destroyed now, a
    // hook killed before it exits would leave the unit with a dead secret-id and no new token.
    // So a unit holds two for one leader hook at most (a new leader reissues, and a stale token
    // must not keep working). By issue, not generation: a killed hook may have issued this same
    // generation already, and a role name reused after a failed hook may hold another unit's.
    const replaced = (await liveSecretIds(vault, role)).filter((s) => s.issue !== issue).map((s) => s.accessor);
    retiring = [...new Set([...retiring, ...replaced])];
    markedForRetirement(hook, replaced);
    hook.log.info(`vault-kv: issued credentials for ${unit} (generation ${generation}${replaced.length ? `; ${replaced.length} older secret-id(s) to revoke once it is published` : ""})`);
    wrapped = json(issued.token);
    confirmed = false;
  }
  ctx.ledger[key] = {
    dialect: "legacy",
    relationId: relation.id,
    unit,
    role,
    mount,
    inputs,
    generation,
    credentialKey: request.unitName,
    isolated: request.isolated,
    hostname: request.hostname,
    access: request.accessCidr,
    ...(healPending ? { healPending } : {}),
    ...(confirmed ? { confirmed } : {}),
    ...(retiring.length ? { retiring } : {}),
  };
  return { roleId, wrapped };
}

/**
 * The first-login check of units whose relation is otherwise settled (src/hook-memo.ts), from their
 * records and this unit's own bag alone: true when each was seen in use (now recorded) or has
 * nothing due, so the relation need not be read; false when one is due a new token, which serving
 * the relation issues.
 */
export async function firstLoginsSettled(ctx: ServeContext, relationId: number, keys: string[]): Promise<boolean> {
  const own = relationGet(relationId, ctx.hook.juju.unitName);
  for (const key of keys) {
    const record = ctx.ledger[key]!;
    const token = record.credentialKey ? own[`${record.credentialKey}_token`] : undefined;
    const published = token ? jsonOrRaw(token) : null;
    if (typeof published !== "string") return false;
    const state = await publishedState(ctx, record.role, record.unit, record.generation, published, record.confirmed ?? false);
    if (reissueDue(state, record.healPending ?? false)) return false;
    if (state === "used") {
      record.confirmed = true;
      delete record.healPending;
    }
  }
  return true;
}

/**
 * Legacy secret-ids allow this many logins. Vault counts each login down, which is the one sign
 * the charm has that the unit itself got its secret-id: a thief's login from another address is
 * refused before it counts. At half, the unit is issued a new one.
 */
const LEGACY_SECRET_ID_USES = 1_000_000;

type PublishedState = "gone" | "worn" | "waiting" | "used" | "unwrapped-unused";

/**
 * Whether the unit is due a new token: its secret-id is gone or nearly used up, or its token was
 * unwrapped but never used to log in (once, until a login shows the unit has its secret-id).
 */
const reissueDue = (state: PublishedState, healPending: boolean) => state === "gone" || state === "worn" || (state === "unwrapped-unused" && !healPending);

/**
 * Where the current generation's credential stands, from Vault's side. A token still wrapped is
 * waiting, whatever its secret-id's state (nobody logs in with it before unwrapping). That is asked
 * first while the unit has not been seen logging in, one request for each unit of a fleet that has
 * not unwrapped yet, looked at in turn in every update-status; and last once it has.
 */
async function publishedState(ctx: ServeContext, role: string, unit: string, generation: number, token: string, seenInUse: boolean): Promise<PublishedState> {
  if (!seenInUse && (await wrappingTokenAlive(ctx.vault, token))) return "waiting";
  const current = (await liveSecretIds(ctx.vault, role)).find((s) => s.generation === generation && s.unit === unit);
  // Issued by an earlier version with unlimited uses: nothing to tell from.
  if (current?.numUses === 0) return "used";
  if (current && current.numUses < LEGACY_SECRET_ID_USES / 2) return "worn";
  if (current && current.numUses < LEGACY_SECRET_ID_USES) return "used";
  if (seenInUse && (await wrappingTokenAlive(ctx.vault, token))) return "waiting";
  return current ? "unwrapped-unused" : "gone";
}

/**
 * On non-leaders: legacy credentials belong in the leader's unit databag alone. A unit that was
 * leader keeps what it wrote there until it removes it itself, and a requirer trying every vault
 * unit's token could unwrap a stale one (LP#1849323), so every other unit clears its own.
 */
export function withdrawLegacyCredentials(hook: Hook, endpoints: readonly string[]): void {
  // Only this unit writes its own bag: what the last hook withdrew stays withdrawn.
  if (recall("withdrawn")) return;
  for (const name of endpoints) {
    for (const relationId of endpointRelationIds(name)) {
      const own = relationGet(relationId, hook.juju.unitName);
      const stale = Object.keys(own).filter((key) => CREDENTIAL_KEY.test(key));
      if (stale.length === 0) continue;
      relationSet(relationId, Object.fromEntries(stale.map((key) => [key, ""])));
      hook.log.info(`vault-kv (${name}:${relationId}): not the leader any more: withdrew ${stale.length / 2} unit(s)' legacy credentials from this unit's databag`);
    }
  }
  remember("withdrawn", true);
}
