// `generate-secret-id`: a secret_id for a charm-managed AppRole, response-wrapped by default, for an
// operator to hand to a worker that unwraps it once (the worker/runner pattern).
import { generateSecretId, generateWrappedSecretId, readRole } from "../vault/approle.js";
import { cidrWithin, isCidr } from "../cidr.js";
import { normaliseCidrs } from "../vault/normalise.js";
import { durationSeconds, MAX_DURATION_SECONDS } from "../config.js";
import { WORKER_METADATA } from "../worker-secret-ids.js";
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
  // 0 would make Vault answer with a bare secret_id instead of a wrapping token; wrapped=false asks for that openly.
  if (durationSeconds(wrapTtl) < 1) throw new ActionError(`wrap-ttl ${wrapTtl} must be at least 1s: give e.g. 10m, or wrapped=false for a plain secret_id`);
  if (durationSeconds(wrapTtl) > MAX_DURATION_SECONDS) throw new ActionError(`wrap-ttl ${JSON.stringify(wrapTtl.slice(0, 20))} is longer than Vault accepts: give e.g. 10m`);
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
  // The worker's own lifetime: the consumer's credential rotation leaves this secret-id alone.
  const ttl = optionalString(params, "ttl") ?? "24h";
  if (!TTL.test(ttl) || durationSeconds(ttl) < 60 || durationSeconds(ttl) > MAX_DURATION_SECONDS) throw new ActionError(`ttl ${JSON.stringify(ttl.slice(0, 20))} is not a lifetime like 30m, 24h or 720h (at least 1m)`);
  const request = { ...(cidrs.length ? { cidrs } : {}), metadata: { ...WORKER_METADATA }, ttl };
  if (wrapped) {
    const { token, ttl: wrapSeconds } = await generateWrappedSecretId(vault, CONSUMER_APPROLE_MOUNT, role, wrapTtl, request);
    hook.log.info(`generate-secret-id: wrapped secret_id for ${role} (wrap ttl ${wrapSeconds}s, secret-id ttl ${ttl})`);
    return { "wrapping-token": token, "wrap-ttl": String(wrapSeconds), "secret-id-ttl": ttl, unwrap: "VAULT_TOKEN=<wrapping-token> vault unwrap -field=secret_id" };
  }
  const issued = await generateSecretId(vault, CONSUMER_APPROLE_MOUNT, role, request);
  hook.log.info(`generate-secret-id: plain secret_id for ${role} (accessor ${issued.accessor})`);
  return { "secret-id": issued.secretId, "secret-id-accessor": issued.accessor, "secret-id-ttl": ttl };
}
