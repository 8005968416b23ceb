// The legacy vault-kv dialect (endpoint `secrets`): per requirer unit a KV v1 backend, a policy, an
// AppRole bound to the unit's addresses and a response-wrapped secret-id, all published JSON-encoded
// in the leader's unit databag (DESIGN.md §3).
import { randomBytes } from "node:crypto";
import { generateWrappedSecretId } from "../../vault/approle.js";
import { wrappingTokenAlive } from "../../vault/sys.js";
import type { Hook } from "../../hook.js";
import { changedKeys, relationGet, relationIds, relationSet } from "../../juju/index.js";
import { blocked } from "../../status.js";
import { bindCidrs, type ConsumerRelation, type ServeContext } from "./context.js";
import { destroySecretIds, inputsHash, liveSecretIds, secretIdMetadata } from "./credentials.js";
import { ledgerKey } from "./ledger.js";
import { legacyMountName, legacyRoleName } from "./naming.js";
import { isolatedBackendPolicy, sharedBackendPolicy } from "./policies.js";
import { isCidr } from "../../cidr.js";
import { jsonOrRaw, parseLegacyRequest } from "./requests.js";
import { CONSUMER_APPROLE_MOUNT, ensureKvMount, ensurePolicy, ensureRole } from "./vault-objects.js";

const json = (value: string) => JSON.stringify(value);
/** `<unit_name>_role_id` and `<unit_name>_token`: one requirer unit's credentials. */
const CREDENTIAL_KEY = /_(role_id|token)$/;

/** The unit's egress subnets, as Juju put them in its bag. */
function egressSubnets(bag: Record<string, string>): string[] {
  return (bag["egress-subnets"] ?? "").split(",").map((s) => s.trim()).filter(isCidr);
}

/** Serves every unit of one legacy relation; returns the ledger keys still wanted. */
export async function serveLegacy(ctx: ServeContext, relation: ConsumerRelation): Promise<Set<string>> {
  const { hook, vault } = ctx;
  const relationId = relation.id;
  const own = relationGet(relationId, hook.juju.unitName);
  const desired: Record<string, string> = {
    vault_url: json(ctx.endpoint.url),
    // An external Vault trusted through the system store has no CA to send: the key is then unset.
    vault_ca: ctx.endpoint.caPem ? json(Buffer.from(ctx.endpoint.caPem).toString("base64")) : "",
  };
  const wanted = new Set<string>();
  for (const [unit, bag] of relation.unitBags) {
    const key = ledgerKey(relationId, unit);
    const parsed = parseLegacyRequest(unit, bag);
    if (parsed.kind === "incomplete") {
      if (ctx.ledger[key]) wanted.add(key);
      continue;
    }
    if (parsed.kind === "invalid") {
      hook.log.warn(`vault-kv (secrets:${relationId}) refused: ${parsed.reason}`);
      ctx.verdicts.push(blocked(`vault-kv request refused: ${parsed.reason}`));
      continue;
    }
    const request = parsed.request;
    const prefix = hook.config.kvMountPrefix;
    const mount = legacyMountName(request.backend, prefix);
    const role = legacyRoleName(request.unitName, prefix);
    const cidrs = bindCidrs(hook, [`${request.accessAddress}/32`, ...egressSubnets(bag)]);
    await ensureKvMount(vault, ctx.mounts, mount, 1, unit);
    await ensurePolicy(vault, role, request.isolated ? isolatedBackendPolicy(mount, request.hostname) : sharedBackendPolicy(mount));
    const roleId = await ensureRole(vault, role, { tokenPolicies: [role], tokenTtl: hook.config.tokenTtl, tokenMaxTtl: hook.config.tokenTtl, tokenBoundCidrs: cidrs, secretIdBoundCidrs: cidrs });

    const inputs = inputsHash({ mount, isolated: request.isolated, hostname: request.hostname, cidrs, ttl: hook.config.tokenTtl });
    const record = ctx.ledger[key];
    const tokenKey = `${request.unitName}_token`;
    const published = own[tokenKey] ? jsonOrRaw(own[tokenKey]) : null;
    let generation = record?.generation ?? 0;
    let reissue = !record || record.inputs !== inputs || record.role !== role || ctx.refresh.has(key) || typeof published !== "string";
    if (!reissue) {
      // A consumer that never unwrapped before the wrap TTL ran out would be stuck: issue again.
      const current = (await liveSecretIds(vault, role)).some((s) => s.generation === generation);
      reissue = !current && !(await wrappingTokenAlive(vault, published as string));
    }
    desired[`${request.unitName}_role_id`] = json(roleId);
    if (reissue) {
      generation += 1;
      const issue = randomBytes(8).toString("hex");
      const wrapped = await generateWrappedSecretId(vault, CONSUMER_APPROLE_MOUNT, role, hook.config.wrapTtl, {
        cidrs,
        tokenBoundCidrs: cidrs,
        metadata: secretIdMetadata(unit, generation, issue),
      });
      // The new token tells the requirer to unwrap again; the secret-ids it replaces go now, so a
      // unit never holds two (a new leader reissues, and a stale token must not keep working).
      // By issue, not generation: a killed hook may have issued this same generation already.
      const replaced = (await liveSecretIds(vault, role)).filter((s) => s.issue !== issue);
      await destroySecretIds(vault, role, replaced.map((s) => s.accessor));
      hook.log.info(`vault-kv: issued credentials for ${unit} (generation ${generation}${replaced.length ? `, ${replaced.length} older secret-id(s) revoked` : ""})`);
      desired[tokenKey] = json(wrapped.token);
    } else {
      desired[tokenKey] = own[tokenKey]!;
    }
    ctx.ledger[key] = { dialect: "legacy", relationId, unit, role, mount, inputs, generation, credentialKey: request.unitName };
    wanted.add(key);
  }
  // Keys of units no longer served go (their Vault objects are removed by the provider's sweep).
  for (const existing of Object.keys(own)) {
    if (CREDENTIAL_KEY.test(existing) && !(existing in desired)) {
      const owner = existing.replace(/_(role_id|token)$/, "");
      const stillServed = [...wanted].some((k) => ctx.ledger[k]?.credentialKey === owner);
      if (!stillServed) desired[existing] = "";
      else desired[existing] = own[existing]!;
    }
  }
  relationSet(relationId, changedKeys(own, desired));
  return wanted;
}

/**
 * On non-leaders: legacy credentials belong in the leader's unit databag alone. A unit that was
 * leader keeps what it wrote there until it removes it itself, and a requirer trying every vault
 * unit's token could unwrap a stale one (LP#1849323), so every other unit clears its own.
 */
export function withdrawLegacyCredentials(hook: Hook, endpoints: readonly string[]): void {
  for (const name of endpoints) {
    for (const relationId of relationIds(name)) {
      const own = relationGet(relationId, hook.juju.unitName);
      const stale = Object.keys(own).filter((key) => CREDENTIAL_KEY.test(key));
      if (stale.length === 0) continue;
      relationSet(relationId, Object.fromEntries(stale.map((key) => [key, ""])));
      hook.log.info(`vault-kv (${name}:${relationId}): not the leader any more: withdrew ${stale.length / 2} unit(s)' legacy credentials from this unit's databag`);
    }
  }
}
