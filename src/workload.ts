// The local Vault workload on this unit: the snap, and whether its service runs.
import type { Hook } from "./hook.js";
import { waiting, type Verdict } from "./status.js";
import { installedVaultChannel, installVault, isVaultServiceActive, refreshVault } from "./vault/service.js";

export async function reconcileWorkload(hook: Hook): Promise<Verdict[]> {
  if (hook.config.vaultUrl) return []; // external-Vault mode runs no local Vault
  const channel = installedVaultChannel();
  if (channel === null) {
    hook.log.info(`installing the vault snap from ${hook.config.channel}`);
    installVault(hook.config.channel);
  } else if (channel !== hook.config.channel) {
    hook.log.info(`moving the vault snap from ${channel} to ${hook.config.channel}`);
    refreshVault(hook.config.channel);
  }
  if (!isVaultServiceActive()) return [waiting("Vault service is not running")];
  return [];
}
