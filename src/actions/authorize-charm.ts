// `authorize-charm`: turns a one-off operator token into the charm's own least-privilege AppRole.
// The token is read from a user secret, used for these few calls and never stored.
import { CHARM_APPROLE_MOUNT, CHARM_POLICY_NAME, CHARM_ROLE_NAME, localCharmPolicy, SESSION_TOKEN_MAX_TTL, SESSION_TOKEN_TTL } from "../authorization.js";
import { isSecretUri } from "../config.js";
import { HookToolError, PermissionDeniedError, secretGet, SecretNotFoundError } from "../juju/index.js";
import { recordPolicyPrefix } from "../mount-prefix.js";
import { issueCharmCredentials } from "../secrets/charm-approle.js";
import { CredentialLedger } from "../secrets/ledger.js";
import { login, readRoleId, writeRole } from "../vault/approle.js";
import { VaultPermissionDeniedError, VaultRequestError } from "../vault/errors.js";
import { enableAuthMethod, listAuthMethods, putPolicy, revokeSelf } from "../vault/sys.js";
import { ActionError, requireLeader, stringParam, type ActionContext } from "./index.js";

/** A Vault token: printable ASCII, no spaces (Vault's are "hvs."/"s." plus base62; OpenBao's alike). */
const TOKEN = /^[\x21-\x7e]{8,512}$/;

function readOperatorToken(uri: string, app: string): string {
  if (!isSecretUri(uri)) throw new ActionError(`secret-id ${JSON.stringify(uri.slice(0, 80))} is not a Juju secret URI: give the secret:... URI that juju add-secret printed`);
  let content: Record<string, string>;
  try {
    content = secretGet({ id: uri });
  } catch (error) {
    if (error instanceof SecretNotFoundError || error instanceof PermissionDeniedError) {
      throw new ActionError(`cannot read secret ${uri}: create it with juju add-secret and run juju grant-secret <name> ${app}`);
    }
    if (error instanceof HookToolError) throw new ActionError(`cannot read secret ${uri}: ${error.detail}`);
    throw error;
  }
  // A token pasted from a file often ends in a newline (or CRLF); inside it, nothing but the token.
  const token = content.token?.trim();
  if (!token) throw new ActionError(`secret ${uri} has no "token" field: juju add-secret <name> token=<a Vault token>`);
  if (!TOKEN.test(token)) throw new ActionError(`the "token" field of secret ${uri} is not a Vault token (it holds spaces, line breaks or control characters): store the token alone`);
  return token;
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
      // Session tokens, kept between hooks and renewed past half their life (src/kept-token.ts).
      tokenTtl: SESSION_TOKEN_TTL,
      tokenMaxTtl: SESSION_TOKEN_MAX_TTL,
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
    recordPolicyPrefix(hook, hook.config.kvMountPrefix);
  } catch (error) {
    if (error instanceof VaultPermissionDeniedError) {
      throw new ActionError(`Vault refused the token in secret ${uri} (${error.errors.join("; ").replace(/\s+/g, " ").trim() || "permission denied"}): it is unknown, expired, or lacks the permissions to set up the charm's AppRole (a root token, or one with the policy vault-charm policy prints, will do)`);
    }
    if (error instanceof VaultRequestError) throw new ActionError(`Vault refused: ${error.errors.join("; ")}`);
    throw error;
  }
  hook.log.info("the charm now has its own AppRole; the operator token was not stored");
  return { result: "The charm is authorised. The token was used once and not stored: you may revoke it and remove its secret." };
}
