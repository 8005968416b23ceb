// AppRole pull authentication (seed 003, HashiCorp's "AppRole pull authentication" pattern): the
// worker logs in, asks for a response-wrapped secret-id of the runner role, and its token is revoked
// at once. The charm checks with Vault that the wrapping token was created for exactly that path and
// is still unused (an interceptor that unwrapped it first leaves it used), unwraps it once and logs
// in as the runner. A leaked worker credential reads nothing; an intercepted secret-id is noticed.
import type { Hook } from "../hook.js";
import { blocked, type Verdict } from "../status.js";
import { login, type LoginResult } from "../vault/approle.js";
import type { Json, JsonObject, VaultClient } from "../vault/client.js";
import { VaultRequestError } from "../vault/errors.js";
import { data, obj, str } from "../vault/response.js";
import { capabilitiesSelf, revokeSelf, unwrap } from "../vault/sys.js";
import type { PullCredentials } from "./credentials.js";

/** Long enough for the next two requests, short enough that a stolen token is soon worthless. */
export const PULL_WRAP_TTL = "60s";
/** Pulls in a row whose wrapping token someone else used, before the charm stops and blocks. */
const MAX_PULLS = 3;

export const runnerSecretIdPath = (c: Pick<PullCredentials, "mount" | "runnerRole">) => `auth/${c.mount}/role/${c.runnerRole}/secret-id`;

/** Vault's first error text on one line, without the "1 error occurred: *" wrapping of Go's multierror. */
export function vaultReason(error: VaultRequestError): string {
  const text = (error.errors[0] ?? String(error.status)).replace(/^\s*\d+ errors? occurred:\s*\*\s*/, "");
  return text.replace(/\s+/g, " ").trim();
}

const refusal = (error: unknown) => error instanceof VaultRequestError && (error.status === 400 || error.status === 403);

type WrapCheck = { ok: true } | { ok: false; why: string };

/** What Vault itself says about a wrapping token (sys/wrapping/lookup): unused and created for `path`. */
async function checkWrappingToken(client: VaultClient, token: string, path: string): Promise<WrapCheck> {
  let answer: JsonObject;
  try {
    answer = await client.request("POST", "sys/wrapping/lookup", { body: { token } });
  } catch (error) {
    // Vault and OpenBao answer 400 "wrapping token is not valid or does not exist" once it was unwrapped.
    if (error instanceof VaultRequestError && error.status === 400) return { ok: false, why: "was already unwrapped (or expired) before the charm could unwrap it" };
    throw error;
  }
  const created = str(data(answer, "wrapping-lookup").creation_path, "creation_path");
  return created === path ? { ok: true } : { ok: false, why: `was created for ${created}, not for the runner role's secret-id` };
}

/** Paths a worker needs no access to; any capability on them means the worker can do more than pull. */
function privilegeProbes(c: PullCredentials, prefix: string): string[] {
  return [
    `${prefix}probe/data/probe`,
    `${prefix}probe/probe`,
    "secret/data/probe",
    "sys/mounts",
    "sys/auth",
    "sys/policies/acl/probe",
    "auth/token/create",
    `auth/${c.mount}/role/${c.runnerRole}`,
    `auth/${c.mount}/role/${c.runnerRole}/role-id`,
    `auth/${c.mount}/role/probe-other-role/secret-id`,
    `auth/${c.mount}/role`,
  ];
}

/** A warning, not a block: the operator's Vault still works, it is just less safe than it could be. */
async function warnIfOverPrivileged(hook: Hook, worker: VaultClient, c: PullCredentials): Promise<void> {
  try {
    const granted = await capabilitiesSelf(worker, privilegeProbes(c, hook.config.kvMountPrefix));
    const extra = Object.entries(granted).filter(([, caps]) => caps.some((cap) => cap !== "deny"));
    if (extra.length) {
      const list = extra.map(([path, caps]) => `${caps.join("/")} on ${path}`).join("; ");
      hook.log.warn(`the vault-auth worker is over-privileged: it should only fetch wrapped secret-ids for its runner (see vault-charm policy), but has ${list}`);
    }
  } catch (error) {
    // A check that cannot run must not cost the pull.
    if (!(error instanceof VaultRequestError)) throw error;
    hook.log.info(`could not check the worker's privileges: ${error.message}`);
  }
}

type Pulled = { ok: true; session: LoginResult } | { ok: false; verdict: Verdict };

/** One pull: worker login, wrapped secret-id checked with Vault, worker token revoked; a verdict when Vault refused. */
async function fetchWrappedSecretId(
  hook: Hook,
  vault: VaultClient,
  c: PullCredentials,
): Promise<{ token: string; wrappedAccessor: string; check: WrapCheck } | { verdict: Verdict }> {
  let worker: LoginResult;
  try {
    worker = await login(vault, c.mount, c.workerRoleId, c.workerSecretId);
  } catch (error) {
    if (!refusal(error)) throw error;
    hook.log.warn(`the external Vault refused the vault-auth worker login: ${(error as Error).message}`);
    return { verdict: blocked(`External Vault refused the vault-auth worker AppRole (${vaultReason(error as VaultRequestError)}): put a valid worker-role-id and worker-secret-id in the secret`) };
  }
  const workerClient = vault.withToken(worker.token);
  let wrapped: { token: string; wrappedAccessor: string };
  try {
    wrapped = await generateWrappedSecretIdWithInfo(workerClient, c);
    await warnIfOverPrivileged(hook, workerClient, c);
  } catch (error) {
    if (!refusal(error)) throw error;
    hook.log.warn(`the external Vault refused the worker's request for a wrapped runner secret-id: ${(error as Error).message}`);
    return { verdict: blocked(`External Vault refused the worker's request for a wrapped secret-id of runner-role (${vaultReason(error as VaultRequestError)}): see vault-charm policy --runner-role`) };
  } finally {
    // The worker has done its one job; its token must not outlive the pull.
    await revokeSelf(workerClient).then(
      () => hook.log.info(`revoked the worker's token (accessor ${worker.accessor}) after the pull`),
      (error: Error) => hook.log.warn(`could not revoke the worker's token (accessor ${worker.accessor}): ${error.message}`),
    );
  }
  // sys/wrapping/lookup needs no token (on Vault and OpenBao): asked after the worker's is gone.
  return { ...wrapped, check: await checkWrappingToken(vault.withToken(undefined), wrapped.token, runnerSecretIdPath(c)) };
}

/** The wrapping token, plus the accessor of the secret-id it wraps (for the operator to destroy if stolen). */
async function generateWrappedSecretIdWithInfo(worker: VaultClient, c: PullCredentials): Promise<{ token: string; wrappedAccessor: string }> {
  const answer = await worker.request("POST", runnerSecretIdPath(c), { wrapTtl: PULL_WRAP_TTL });
  const info = obj(answer.wrap_info, "secret-id.wrap_info");
  return { token: str(info.token, "wrap_info.token"), wrappedAccessor: typeof info.wrapped_accessor === "string" ? info.wrapped_accessor : "" };
}

/** Logs in as the runner through a fresh pull; refuses and pulls again when a wrapping token was tampered with. */
export async function pullRunnerToken(hook: Hook, vault: VaultClient, c: PullCredentials): Promise<Pulled> {
  const anonymous = vault.withToken(undefined);
  for (let attempt = 1; attempt <= MAX_PULLS; attempt++) {
    const fetched = await fetchWrappedSecretId(hook, vault, c);
    if ("verdict" in fetched) return { ok: false, verdict: fetched.verdict };
    let secretId: string | null = null;
    let why = fetched.check.ok ? "" : fetched.check.why;
    if (fetched.check.ok) {
      try {
        secretId = str((await unwrap(anonymous, fetched.token)).secret_id as Json, "unwrap.secret_id");
      } catch (error) {
        // Unwrapped by someone else between the lookup and now.
        if (!(error instanceof VaultRequestError && error.status === 400)) throw error;
        why = "was unwrapped by someone else just before the charm";
      }
    }
    if (secretId === null) {
      const stolen = fetched.wrappedAccessor ? ` (secret-id accessor ${fetched.wrappedAccessor}: destroy it with vault write ${runnerSecretIdPath(c)}-accessor/destroy secret_id_accessor=${fetched.wrappedAccessor})` : "";
      hook.log.warn(`possible interception: the wrapping token for the runner's secret-id ${why}; refused it${stolen}; pulling again (${attempt}/${MAX_PULLS})`);
      continue;
    }
    try {
      const runner = await login(vault, c.mount, c.runnerRoleId, secretId);
      hook.log.info(`pulled a runner token from the external Vault (runner token accessor ${runner.accessor}, ${runner.ttl}s)`);
      return { ok: true, session: runner };
    } catch (error) {
      if (!refusal(error)) throw error;
      hook.log.warn(`the external Vault refused the runner login: ${(error as Error).message}`);
      return { ok: false, verdict: blocked(`External Vault refused the runner login (${vaultReason(error as VaultRequestError)}): check runner-role-id, and that the runner role's CIDRs admit this unit`) };
    }
  }
  return { ok: false, verdict: blocked(`External Vault: ${MAX_PULLS} wrapped secret-ids in a row were unwrapped or replaced by someone else (possible interception): see juju debug-log`) };
}
