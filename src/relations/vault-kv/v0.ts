// The v0 vault-kv dialect (endpoint `vault-kv`): one kv-v2 mount per requirer application, per unit
// an AppRole bound to its egress subnets whose role-id and secret-id sit in an app-owned Juju secret
// granted to that unit; the app databag maps each unit's nonce to its secret (DESIGN.md §3).
import { generateSecretId, readSecretIdByAccessor } from "../../vault/approle.js";
import type { VaultClient } from "../../vault/client.js";
import { changedKeys, relationGet, relationSet, secretGrant } from "../../juju/index.js";
import { kvCredentialsLabel } from "../../secrets/catalog.js";
import type { IssuedCredential } from "../../secrets/ledger.js";
import { applyRotationPolicy, publishCredentialRevision } from "../../secrets/publish.js";
import { awaitValidRequest, bindCidrs, isConsumerFault, refuse, type ConsumerRelation, type ServeContext } from "./context.js";
import { inputsHash, retireRole, secretIdMetadata } from "./credentials.js";
import { ledgerKey, type ConsumerRecord } from "./ledger.js";
import { v0MountName, v0RoleName } from "./naming.js";
import { sharedBackendPolicy } from "./policies.js";
import { parseV0Request, type V0Request } from "./requests.js";
import { consumerRoleName } from "./tenants.js";
import { CONSUMER_APPROLE_MOUNT, ensureKvMount, ensurePolicy, ensureRole } from "./vault-objects.js";

/** Whether a secret-id the newest revision holds still logs in (it may have been destroyed behind our back). */
async function anyAlive(vault: VaultClient, credentials: IssuedCredential[]): Promise<boolean> {
  for (const { role, accessor } of credentials) if ((await readSecretIdByAccessor(vault, CONSUMER_APPROLE_MOUNT, role, accessor)) !== null) return true;
  return false;
}

/** Serves every unit of one v0 relation; returns the ledger keys still wanted. */
export async function serveV0(ctx: ServeContext, relation: ConsumerRelation): Promise<Set<string>> {
  const { hook } = ctx;
  const relationId = relation.id;
  const own = relationGet(relationId, hook.juju.appName, { app: true });
  const credentials: Record<string, string> = {};
  const requests: V0Request[] = [];
  const seen = new Map<string, string>();
  const kept: ConsumerRecord[] = [];
  const wanted = new Set<string>();
  for (const [unit, bag] of relation.unitBags) {
    const key = ledgerKey(relationId, unit);
    const record = ctx.ledger[key];
    const fingerprint = bag ? ctx.fingerprint(bag, relation.appBag) : null;
    if (record && (bag === null || (record.seen === fingerprint && !ctx.recheck(key)))) {
      // Nothing it depends on changed since it was served: no Vault request for it this hook.
      wanted.add(key);
      kept.push(record);
      continue;
    }
    if (!bag) continue;
    const parsed = parseV0Request(unit, relation.appBag, bag, ctx.limits);
    if (parsed.kind === "valid") {
      requests.push(parsed.request);
      seen.set(unit, fingerprint!);
    } else {
      // Refused or incomplete, the new request changes nothing: what the unit had it keeps.
      awaitValidRequest(ctx, relation, unit, key, parsed);
      if (record) {
        wanted.add(key);
        kept.push(record);
      }
    }
  }
  for (const record of kept) if (record.secretId && record.nonce && !(record.nonce in credentials)) credentials[record.nonce] = record.secretId;
  let mount: string | null = own.mount || null;
  const first = requests[0];
  if (first) {
    const { tenancy } = await ctx.vaultState();
    mount = tenancy.v0Mount(relation.app, first.mountSuffix, v0MountName(relation.app, first.mountSuffix, hook.config.kvMountPrefix));
    if (!mount) for (const r of requests) refuse(ctx, relation, r.unit, `every mount name for ${relation.app} (${first.mountSuffix}) is taken`);
  }
  const nonceHolders = nonceOwners(ctx, relationId, requests, kept);
  for (const request of mount ? requests : []) {
    const key = ledgerKey(relationId, request.unit);
    const holder = nonceHolders.get(request.nonce);
    if (holder !== request.unit) {
      refuse(ctx, relation, request.unit, `nonce ${JSON.stringify(request.nonce.slice(0, 40))} is already used by ${holder}`);
      continue;
    }
    try {
      credentials[request.nonce] = await serveV0Unit(ctx, relation, key, request, mount!);
      ctx.ledger[key]!.seen = seen.get(request.unit)!;
      wanted.add(key);
    } catch (error) {
      if (!isConsumerFault(error)) throw error;
      // Vault refused something this unit asked for: it alone waits, and the next hook tries again.
      refuse(ctx, relation, request.unit, error.message);
      const record = ctx.ledger[key];
      if (record?.secretId) {
        wanted.add(key);
        credentials[record.nonce ?? request.nonce] = record.secretId;
        delete record.seen;
      }
    }
  }
  const desired: Record<string, string> = {
    vault_url: ctx.endpoint.url,
    ca_certificate: ctx.endpoint.caPem,
    ...(mount ? { mount } : {}),
    credentials: JSON.stringify(credentials),
  };
  // Published with the ledger, when every relation was served (provider.ts): an action that fails
  // part-way exits 0, and Juju would commit a credentials map the ledger does not record.
  const changes = changedKeys(own, desired);
  ctx.publish.push(() => relationSet(relationId, changes, { app: true }));
  return wanted;
}

/**
 * Which unit each nonce names. The credentials map has one entry per nonce, so a nonce two units
 * send belongs to the one that held it before (the ledger says), else to the first in Juju's order.
 */
function nonceOwners(ctx: ServeContext, relationId: number, requests: V0Request[], kept: ConsumerRecord[]): Map<string, string> {
  const owners = new Map<string, string>();
  for (const record of kept) if (record.nonce && !owners.has(record.nonce)) owners.set(record.nonce, record.unit);
  for (const r of requests) if (!owners.has(r.nonce) && ctx.ledger[ledgerKey(relationId, r.unit)]?.nonce === r.nonce) owners.set(r.nonce, r.unit);
  for (const r of requests) if (!owners.has(r.nonce)) owners.set(r.nonce, r.unit);
  return owners;
}

/** One unit's policy, AppRole and credentials secret; returns the secret's ID. */
async function serveV0Unit(ctx: ServeContext, relation: ConsumerRelation, key: string, request: V0Request, mount: string): Promise<string> {
  const { hook, vault } = ctx;
  const unit = request.unit;
  const prefix = hook.config.kvMountPrefix;
  const record = ctx.ledger[key];
  const role = consumerRoleName(ctx.ledger, key, v0RoleName(mount, unit, prefix), prefix, mount);
  const cidrs = bindCidrs(hook, request.egressSubnets);
  await ensureKvMount(vault, (await ctx.vaultState()).mounts, mount, 2, relation.app);
  await ensurePolicy(vault, role, sharedBackendPolicy(mount));
  const roleId = await ensureRole(vault, role, { tokenPolicies: [role], tokenTtl: hook.config.tokenTtl, tokenMaxTtl: hook.config.tokenTtl, tokenBoundCidrs: cidrs, secretIdBoundCidrs: cidrs });

  const inputs = inputsHash({ mount, cidrs, ttl: hook.config.tokenTtl, roleId });
  const latest = record?.secretId ? ctx.credentials.latest(record.secretId) : null;
  const alive = latest ? await anyAlive(vault, latest.credentials.filter((c) => c.role === role)) : false;
  let next = record ? { ...record } : { dialect: "v0" as const, relationId: relation.id, unit, role, mount, inputs, generation: 0 };
  if (!record || !record.secretId || record.inputs !== inputs || record.role !== role || !alive || ctx.refresh.has(key)) {
    const generation = (record?.generation ?? 0) + 1;
    const issued = await generateSecretId(vault, CONSUMER_APPROLE_MOUNT, role, { cidrs, tokenBoundCidrs: cidrs, metadata: secretIdMetadata(unit, generation) });
    // The previous secret-id keeps working until Juju says no observer tracks its revision (secret-remove).
    const { secretId } = await publishCredentialRevision(hook, vault, ctx.credentials, {
      kind: "kv-credentials",
      label: kvCredentialsLabel(unit),
      description: `Vault AppRole for ${unit} on ${mount}`,
      secretId: record?.secretId ?? null,
      content: { "role-id": roleId, "role-secret-id": issued.secretId },
      mount: CONSUMER_APPROLE_MOUNT,
      credential: { role, accessor: issued.accessor },
      validity: null,
    });
    if (!record?.secretId) secretGrant(secretId, relation.id, unit);
    next = { ...next, role, mount, inputs, generation, secretId };
    hook.log.info(`vault-kv: issued credentials for ${unit} (generation ${generation})`);
    // A changed mount_suffix moved the unit to another mount and role: the old role goes now.
    if (record && record.role !== role) await retireRole(ctx, record.role, unit);
  } else if (hook.event.type === "lifecycle" && hook.event.hook === "config-changed") {
    applyRotationPolicy(hook, "kv-credentials", record.secretId);
  }
  ctx.ledger[key] = { ...next, nonce: request.nonce };
  return next.secretId!;
}
