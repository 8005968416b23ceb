// Where the Vault workload lives on the machine. Production paths are absolute; the simulator
// (tests/sim) sets VAULT_CHARM_SIM_ROOT to a per-unit directory so several units can share one host.
import { join } from "node:path";

function machineRoot(): string {
  return process.env.VAULT_CHARM_SIM_ROOT ?? "/";
}

export interface VaultPaths {
  /** The snap's writable area: config, TLS material, file storage. */
  common: string;
  configFile: string;
  tlsDir: string;
  fileStorageDir: string;
  /** Vault's Unix socket for the charm's own requests, in a directory only root may enter. */
  localSocket: string;
  systemdUnit: string;
  /** The charm's own unit-local state (not Vault's), e.g. the external-Vault login token. */
  charmState: string;
}

export function vaultPaths(): VaultPaths {
  const common = join(machineRoot(), "var/snap/vault/common");
  return {
    common,
    configFile: join(common, "vault.hcl"),
    tlsDir: join(common, "certs"),
    fileStorageDir: join(common, "data"),
    localSocket: join(common, "run", "vault.sock"),
    systemdUnit: join(machineRoot(), "etc/systemd/system/vault.service"),
    charmState: join(machineRoot(), "var/lib/vault-charm"),
  };
}
