// What `vault-charm policy --runner-role <name>` prints: a shell script an operator runs against
// their Vault to set up AppRole pull authentication for the charm. The worker may only ask for
// response-wrapped secret-ids of the runner role (min_wrapping_ttl makes wrapping mandatory,
// max_wrapping_ttl keeps the wrapping tokens short-lived); the runner holds the charm's policy.
import { charmPolicy } from "../authorization.js";
import { PULL_WRAP_TTL, runnerSecretIdPath } from "./pull.js";

export interface PullSetupOptions {
  /** The charm's kv-mount-prefix. */
  prefix: string;
  runnerRole: string;
  workerRole: string;
  /** The AppRole mount both roles live on (vault-auth's approle-mount). */
  mount: string;
  /** Addresses the charm's leader logs in from; binds both roles' secret-ids and tokens when given. */
  cidrs: string[];
}

export const DEFAULT_PULL_SETUP: Omit<PullSetupOptions, "prefix"> = { runnerRole: "vault-charm-runner", workerRole: "vault-charm-worker", mount: "approle", cidrs: [] };

/** Wrapping TTLs the worker's policy admits: at least 1 s (so wrapping is required), at most 5 min. */
export const WORKER_WRAPPING_TTL = { min: "1s", max: "300s" } as const;

export function workerPolicy(o: Pick<PullSetupOptions, "mount" | "runnerRole">): string {
  return [
    `path "${runnerSecretIdPath(o)}" {`,
    '  capabilities = ["update"]',
    `  min_wrapping_ttl = "${WORKER_WRAPPING_TTL.min}"`,
    `  max_wrapping_ttl = "${WORKER_WRAPPING_TTL.max}"`,
    "}",
    "",
  ].join("\n");
}

export const runnerPolicy = (prefix: string) => charmPolicy(prefix);

/** `vault write auth/<mount>/role/<name> ...` arguments for both roles. */
export function roleCommands(o: PullSetupOptions): string[] {
  const bind = o.cidrs.length ? [`secret_id_bound_cidrs=${o.cidrs.join(",")}`, `token_bound_cidrs=${o.cidrs.join(",")}`] : [];
  // A runner secret-id serves one login and only while the charm unwraps it; its token is renewed by the charm.
  const runner = [`token_policies=${o.runnerRole}`, "token_ttl=1h", "token_max_ttl=24h", "secret_id_num_uses=1", "secret_id_ttl=5m", ...bind];
  // The worker's token lives for one pull; the charm revokes it as soon as the pull is done.
  const worker = [`token_policies=${o.workerRole}`, "token_ttl=2m", "token_max_ttl=2m", ...bind];
  return [`vault write auth/${o.mount}/role/${o.runnerRole} ${runner.join(" ")}`, `vault write auth/${o.mount}/role/${o.workerRole} ${worker.join(" ")}`];
}

export function pullSetupScript(o: PullSetupOptions): string {
  const mountField = o.mount === "approle" ? "" : ` approle-mount=${o.mount}`;
  return [
    "# AppRole pull authentication for the Vault charm. Run with a Vault token that may write policies",
    `# and roles on auth/${o.mount}/ (OpenBao: replace vault with bao). If AppRole is not enabled yet:`,
    `#   vault auth enable -path=${o.mount} approle`,
    `# The worker may only fetch secret-ids of ${o.runnerRole}, response-wrapped (the charm asks for ${PULL_WRAP_TTL}).`,
    `vault policy write ${o.workerRole} - <<'EOF'`,
    workerPolicy(o).trimEnd(),
    "EOF",
    `# The runner holds what the charm needs on the ${o.prefix}* KV mounts, their policies and AppRoles.`,
    `vault policy write ${o.runnerRole} - <<'EOF'`,
    runnerPolicy(o.prefix).trimEnd(),
    "EOF",
    ...roleCommands(o),
    "# Then give the charm its vault-auth secret:",
    `#   juju add-secret vault-auth runner-role=${o.runnerRole}${mountField} \\`,
    `#     runner-role-id="$(vault read -field=role_id auth/${o.mount}/role/${o.runnerRole}/role-id)" \\`,
    `#     worker-role-id="$(vault read -field=role_id auth/${o.mount}/role/${o.workerRole}/role-id)" \\`,
    `#     worker-secret-id="$(vault write -f -field=secret_id auth/${o.mount}/role/${o.workerRole}/secret-id)"`,
    "#   juju grant-secret vault-auth vault && juju config vault vault-auth=<secret URI>",
    "",
  ].join("\n");
}
