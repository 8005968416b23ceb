// `generate-secret-id`: a secret_id for a charm-managed AppRole, response-wrapped by default, for an
// operator to hand to a worker that unwraps it once (the worker/runner pattern).
import { generateSecretId, generateWrappedSecretId, readRole } from "../vault/approle.js";
import { cidrWithin, isCidr } from "../cidr.js";
import { normaliseCidrs } from "../vault/normalise.js";
import { isManagedName } from "../relations/vault-kv/naming.js";
import { CONSUMER_APPROLE_MOUNT } from "../relations/vault-kv/vault-objects.js";
import { ActionError, optionalString, requireLeader, stringParam, type ActionContext } from "./index.js";

const TTL = /^\d+[smh]$/;

export async function run({ hook, params, charmVault }: ActionContext): Promise<Record<string, unknown>> {
  requireLeader(hook, "generate-secret-id");
  const role = stringParam(params, "role");
  if (!isManagedName(role, hook.config.kvMountPrefix)) throw new ActionError(`role ${JSON.stringify(role.slice(0, 80))} is not managed by this charm (names start with ${hook.config.kvMountPrefix})`);
  const wrapTtl = optionalString(params, "wrap-ttl") ?? "1h";
  if (!TTL.test(wrapTtl)) throw new ActionError(`wrap-ttl ${JSON.stringify(wrapTtl.slice(0, 20))} is not a duration like 90s, 15m or 1h`);
  const cidrs = (optionalString(params, "cidr") ?? "").split(",").map((c) => c.trim()).filter(Boolean);
  const bad = cidrs.find((c) => !isCidr(c));
  if (bad !== undefined) throw new ActionError(`cidr ${JSON.stringify(bad.slice(0, 50))} is not a CIDR`);
  const wrapped = params.wrapped !== false;
  const vault = await charmVault();
  const existing = await readRole(vault, CONSUMER_APPROLE_MOUNT, role);
  if (!existing) throw new ActionError(`AppRole ${role} does not exist`);
  // A secret_id may only narrow the role's own binding; Vault answers a bare 500 otherwise.
  // Vault echoes a /32 binding as a bare address: compared in normal form, like every role field.
  const bound = normaliseCidrs(existing.secretIdBoundCidrs);
  const outside = bound.length ? cidrs.find((c) => !bound.some((b) => cidrWithin(c, b))) : undefined;
  if (outside !== undefined) throw new ActionError(`cidr ${outside} is outside the role's bound CIDRs (${bound.join(", ")}): give a block within them, or leave cidr out to use the role's`);
  const request = { ...(cidrs.length ? { cidrs } : {}), metadata: { "issued-by": "generate-secret-id" } };
  if (wrapped) {
    const { token, ttl } = await generateWrappedSecretId(vault, CONSUMER_APPROLE_MOUNT, role, wrapTtl, request);
    hook.log.info(`generate-secret-id: wrapped secret_id for ${role} (wrap ttl ${ttl}s)`);
    return { "wrapping-token": token, "wrap-ttl": String(ttl), unwrap: "VAULT_TOKEN=<wrapping-token> vault unwrap -field=secret_id" };
  }
  const issued = await generateSecretId(vault, CONSUMER_APPROLE_MOUNT, role, request);
  hook.log.info(`generate-secret-id: plain secret_id for ${role} (accessor ${issued.accessor})`);
  return { "secret-id": issued.secretId, "secret-id-accessor": issued.accessor };
}
