// `initialize`: the unseal shares and root token, returned once and kept nowhere by the charm.
import { VaultRequestError } from "../vault/errors.js";
import { health, initialize } from "../vault/sys.js";
import { ActionError, integerParam, requireLeader, type ActionContext } from "./index.js";

export async function run({ hook, params, vault }: ActionContext): Promise<Record<string, unknown>> {
  requireLeader(hook, "initialize");
  const shares = integerParam(params, "key-shares", 1, 10);
  const threshold = integerParam(params, "key-threshold", 1, 10);
  if (threshold > shares) throw new ActionError("key-threshold cannot exceed key-shares");
  const pgpKeys = typeof params["pgp-keys"] === "string" && params["pgp-keys"] ? params["pgp-keys"].split(",").map((k) => k.trim()) : [];
  if (pgpKeys.length > 0 && pgpKeys.length !== shares) throw new ActionError(`pgp-keys must hold exactly ${shares} keys, one per share`);
  // Initialising generates the keyring and, on raft, elects a leader: seconds, more on a busy host.
  const client = vault().withTimeout(120_000);
  if ((await health(client)).initialized) throw new ActionError("Vault is already initialised");
  try {
    const result = await initialize(client, shares, threshold, pgpKeys);
    hook.log.info(`initialised Vault with ${shares} shares, threshold ${threshold}`);
    return {
      "unseal-keys": result.keysBase64.join(","),
      "root-token": result.rootToken,
      "next-steps":
        "Store the shares safely; this is the only time they are shown. To unseal automatically: " +
        `juju add-secret vault-unseal keys=<${threshold} shares>; juju grant-secret vault-unseal ${hook.juju.appName}; ` +
        `juju config ${hook.juju.appName} unseal-keys=<secret URI>. Then authorize the charm with a short-lived token.`,
    };
  } catch (error) {
    if (error instanceof VaultRequestError) throw new ActionError(`Vault refused to initialise: ${error.errors.join("; ")}`);
    throw error;
  }
}
