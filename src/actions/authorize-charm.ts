// `authorize-charm`: turns a one-off operator token into the charm's own least-privilege AppRole.
// The token is read from a user secret, used for these few calls and never stored.
import { CHARM_APPROLE_MOUNT, CHARM_APPROLE_SECRET_LABEL, CHARM_POLICY_NAME, CHARM_ROLE_NAME, charmPolicy } from "../authorization.js";
import { PermissionDeniedError, secretAdd, secretGet, secretInfoGet, SecretNotFoundError, secretSet } from "../juju/index.js";
import { generateSecretId, login, readRoleId, writeRole } from "../vault/approle.js";
import { VaultPermissionDeniedError, VaultRequestError } from "../vault/errors.js";
import { enableAuthMethod, listAuthMethods, putPolicy } from "../vault/sys.js";
import { ActionError, requireLeader, stringParam, type ActionContext } from "./index.js";

function readOperatorToken(uri: string, app: string): string {
  try {
    const token = secretGet({ id: uri }).token;
    if (!token) throw new ActionError(`secret ${uri} has no "token" field`);
    return token;
  } catch (error) {
    if (error instanceof SecretNotFoundError || error instanceof PermissionDeniedError) {
      throw new ActionError(`cannot read secret ${uri}: create it with juju add-secret and run juju grant-secret <name> ${app}`);
    }
    throw error;
  }
}

/** A new revision of the existing credentials secret, or the secret itself the first time. */
function storeCredentials(content: Record<string, string>): void {
  let existingId: string | null = null;
  try {
    existingId = secretInfoGet({ label: CHARM_APPROLE_SECRET_LABEL }).id;
  } catch (error) {
    if (!(error instanceof SecretNotFoundError)) throw error;
  }
  if (existingId) secretSet(existingId, content);
  else secretAdd(content, { label: CHARM_APPROLE_SECRET_LABEL, description: "The vault charm's own AppRole", rotate: "monthly" });
}

export async function run({ hook, params, vault }: ActionContext): Promise<Record<string, unknown>> {
  requireLeader(hook, "authorize-charm");
  const uri = stringParam(params, "secret-id");
  const token = readOperatorToken(uri, hook.juju.appName);
  const operator = vault().withToken(token);
  try {
    if (!(CHARM_APPROLE_MOUNT in (await listAuthMethods(operator)))) await enableAuthMethod(operator, CHARM_APPROLE_MOUNT, "approle");
    await putPolicy(operator, CHARM_POLICY_NAME, charmPolicy(hook.config.kvMountPrefix));
    await writeRole(operator, CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME, {
      tokenPolicies: [CHARM_POLICY_NAME],
      tokenTtl: "1h",
      tokenMaxTtl: "1h",
      // Not bound to addresses: every vault unit (and a new leader) must be able to log in.
      tokenBoundCidrs: [],
      secretIdBoundCidrs: [],
    });
    const roleId = await readRoleId(operator, CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME);
    const issued = await generateSecretId(operator, CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME, { metadata: { purpose: "vault-charm" } });
    await login(vault(), CHARM_APPROLE_MOUNT, roleId, issued.secretId); // proves the new credentials work
    storeCredentials({ "role-id": roleId, "secret-id": issued.secretId });
  } catch (error) {
    if (error instanceof VaultPermissionDeniedError) throw new ActionError("the token in the secret lacks the permissions to set up the charm's AppRole");
    if (error instanceof VaultRequestError) throw new ActionError(`Vault refused: ${error.errors.join("; ")}`);
    throw error;
  }
  hook.log.info("the charm now has its own AppRole; the operator token was not stored");
  return { result: "The charm is authorised. The token was used once and not stored: you may revoke it and remove its secret." };
}
