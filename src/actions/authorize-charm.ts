// `authorize-charm`: turns a one-off operator token into the charm's own least-privilege AppRole.
// The token is read from a user secret, used for these few calls and never stored.
import { CHARM_APPROLE_MOUNT, CHARM_POLICY_NAME, CHARM_ROLE_NAME, localCharmPolicy } from "../authorization.js";
import { PermissionDeniedError, secretGet, SecretNotFoundError } from "../juju/index.js";
import { issueCharmCredentials } from "../secrets/charm-approle.js";
import { CredentialLedger } from "../secrets/ledger.js";
import { login, readRoleId, writeRole } from "../vault/approle.js";
import { VaultPermissionDeniedError, VaultRequestError } from "../vault/errors.js";
import { enableAuthMethod, listAuthMethods, putPolicy, revokeSelf } from "../vault/sys.js";
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

export async function run({ hook, params, vault }: ActionContext): Promise<Record<string, unknown>> {
  requireLeader(hook, "authorize-charm");
  const uri = stringParam(params, "secret-id");
  const token = readOperatorToken(uri, hook.juju.appName);
  const operator = vault().withToken(token);
  try {
    if (!(CHARM_APPROLE_MOUNT in (await listAuthMethods(operator)))) await enableAuthMethod(operator, CHARM_APPROLE_MOUNT, "approle");
    await putPolicy(operator, CHARM_POLICY_NAME, localCharmPolicy(hook.config.kvMountPrefix));
    await writeRole(operator, CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME, {
      tokenPolicies: [CHARM_POLICY_NAME],
      tokenTtl: "1h",
      tokenMaxTtl: "1h",
      // Not bound to addresses: every vault unit (and a new leader) must be able to log in.
      tokenBoundCidrs: [],
      secretIdBoundCidrs: [],
    });
    const roleId = await readRoleId(operator, CHARM_APPROLE_MOUNT, CHARM_ROLE_NAME);
    // A new revision (or the secret itself); earlier secret-ids of the role go with the revision it replaces.
    const ledger = CredentialLedger.read(hook.juju.appName);
    // Proves the new credentials work before they are stored; the proof's token is of no further use.
    const prove = async (secretId: string) => revokeSelf(vault().withToken((await login(vault(), CHARM_APPROLE_MOUNT, roleId, secretId)).token));
    await issueCharmCredentials(hook, operator, ledger, roleId, prove);
    ledger.write();
  } catch (error) {
    if (error instanceof VaultPermissionDeniedError) throw new ActionError("the token in the secret lacks the permissions to set up the charm's AppRole");
    if (error instanceof VaultRequestError) throw new ActionError(`Vault refused: ${error.errors.join("; ")}`);
    throw error;
  }
  hook.log.info("the charm now has its own AppRole; the operator token was not stored");
  return { result: "The charm is authorised. The token was used once and not stored: you may revoke it and remove its secret." };
}
