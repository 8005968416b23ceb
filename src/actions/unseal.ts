// `unseal`: one share submitted to this unit's Vault.
import { VaultRequestError } from "../vault/errors.js";
import { submitUnsealKey } from "../vault/sys.js";
import { ActionError, stringParam, type ActionContext } from "./index.js";

export async function run({ params, vault }: ActionContext): Promise<Record<string, unknown>> {
  const key = stringParam(params, "key");
  try {
    const status = await submitUnsealKey(vault(), key);
    return { sealed: status.sealed, progress: status.progress, threshold: status.threshold };
  } catch (error) {
    if (error instanceof VaultRequestError) throw new ActionError(`Vault refused the share: ${error.errors.join("; ")}`);
    throw error;
  }
}
