// `vault-status`: what this unit's Vault says about itself.
import { leader, health } from "../vault/sys.js";
import { vaultPaths } from "../vault/paths.js";
import { readFileOrNull } from "../vault/files.js";
import type { ActionContext } from "./index.js";

export async function run({ vault, hook }: ActionContext): Promise<Record<string, unknown>> {
  const client = vault();
  const state = await health(client);
  const config = readFileOrNull(vaultPaths().configFile) ?? "";
  const storage = hook.config.vaultUrl ? "external" : (/storage "(\w+)"/.exec(config)?.[1] ?? "unknown");
  const result: Record<string, unknown> = {
    address: client.url,
    version: state.version,
    initialized: state.initialized,
    sealed: state.sealed,
    storage,
  };
  if (state.initialized && !state.sealed) {
    const ha = await leader(client);
    result["ha-enabled"] = ha.haEnabled;
    result["ha-mode"] = !ha.haEnabled ? "none" : ha.isSelf ? "active" : "standby";
    if (ha.leaderAddress) result["active-address"] = ha.leaderAddress;
  }
  return result;
}
