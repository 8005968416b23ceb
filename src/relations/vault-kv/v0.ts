// The v0 vault-kv dialect (endpoint `vault-kv`): one kv-v2 mount per requirer application, per unit
// an AppRole bound to its egress subnets whose role-id and secret-id sit in an app-owned Juju secret
// granted to that unit; the app databag maps each unit's nonce to its secret (DESIGN.md §3).
import { generateSecretId, readSecretIdByAccessor } from "../../vault/approle.js";
import type { VaultClient } from "../../vault/client.js";
import { changedKeys, relationGet, relationSet, secretGrant } from "../../juju/index.js";
import { kvCredentialsLabel } from "../../secrets/catalog.js";
import type { IssuedCredential } from "../../secrets/ledger.js";
import { applyRotationPolicy, publishCredentialRevision } from "../../secrets/publish.js";
import { blocked } from "../../status.js";
import { bindCidrs, type ConsumerRelation, type ServeContext } from "./context.js";
import { inputsHash, secretIdMetadata } from "./credentials.js";
import { ledgerKey } from "./ledger.js";
import { v0MountName, v0RoleName } from "./naming.js";
import { sharedBackendPolicy } from "./policies.js";
import { parseV0Request } from "./requests.js";
import { CONSUMER_APPROLE_MOUNT, ensureKvMount, ensurePolicy, ensureRole } from "./vault-objects.js";

/** Whether a secret-id the newest revision holds still logs in (it may have been destroyed behind our back). */
async function anyAlive(vault: VaultClient, credentials: IssuedCredential[]): Promise<boolean> {
  for (const { role, accessor } of credentials) if ((await readSecretIdByAccessor(vault, CONSUMER_APPROLE_MOUNT, role, accessor)) !== null) return true;
  return false;
}

/** Serves every unit of one v0 relation; returns the ledger keys still wanted. */
export async function serveV0(ctx: ServeContext, relation: ConsumerRelation): Promise<Set<string>> {
  const { hook, vault } = ctx;
  const relationId = relation.id;
  const own = relationGet(relationId, hook.juju.appName, { app: true });
  const credentials: Record<string, string> = {};
  let mount: string | null = null;
  const wanted = new Set<string>();
  for (const [unit, bag] of relation.unitBags) {
    const key = ledgerKey(relationId, unit);
    const parsed = parseV0Request(unit, relation.appBag, bag);
    if (parsed.kind === "incomplete") {
      if (ctx.ledger[key]) wanted.add(key);
      continue;
    }
    if (parsed.kind === "invalid") {
      hook.log.warn(`vault-kv (vault-kv:${relationId}) refused: ${parsed.reason}`);
      ctx.verdicts.push(blocked(`vault-kv request refused: ${parsed.reason}`));
      continue;
    }
    const request = parsed.request;
    const prefix = hook.config.kvMountPrefix;
    mount = v0MountName(request.app, request.mountSuffix, prefix);
    const role = v0RoleName(mount, unit, prefix);
    const cidrs = bindCidrs(hook, request.egressSubnets);
    await ensureKvMount(vault, ctx.mounts, mount, 2, request.app);
    await ensurePolicy(vault, role, sharedBackendPolicy(mount));
    const roleId = await ensureRole(vault, role, { tokenPolicies: [role], tokenTtl: hook.config.tokenTtl, tokenMaxTtl: hook.config.tokenTtl, tokenBoundCidrs: cidrs, secretIdBoundCidrs: cidrs });

    const inputs = inputsHash({ mount, cidrs, ttl: hook.config.tokenTtl, roleId });
    const record = ctx.ledger[key];
    const latest = record?.secretId ? ctx.credentials.latest(record.secretId) : null;
    const alive = latest ? await anyAlive(vault, latest.credentials.filter((c) => c.role === role)) : false;
    let next = record ? { ...record } : { dialect: "v0" as const, relationId, unit, role, mount, inputs, generation: 0 };
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
      if (!record?.secretId) secretGrant(secretId, relationId, unit);
      next = { ...next, role, mount, inputs, generation, secretId };
      hook.log.info(`vault-kv: issued credentials for ${unit} (generation ${generation})`);
    } else if (hook.event.type === "lifecycle" && hook.event.hook === "config-changed") {
      applyRotationPolicy(hook, "kv-credentials", record.secretId);
    }
    ctx.ledger[key] = next;
    credentials[request.nonce] = next.secretId!;
    wanted.add(key);
  }
  const desired: Record<string, string> = {
    vault_url: ctx.endpoint.url,
    ca_certificate: ctx.endpoint.caPem,
    ...(mount ? { mount } : {}),
    credentials: JSON.stringify(credentials),
  };
  relationSet(relationId, changedKeys(own, desired), { app: true });
  return wanted;
}
