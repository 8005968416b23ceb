// The systemd unit that runs Vault from the snap with the charm's configuration.
import { VAULT_SNAP } from "./service.js";

export function renderVaultUnit(configFile: string): string {
  return [
    "# Written by the vault charm.",
    "[Unit]",
    "Description=HashiCorp Vault (managed by the vault charm)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    `ExecStart=/snap/bin/${VAULT_SNAP} server -config=${configFile}`,
    "ExecReload=/bin/kill -HUP $MAINPID",
    "Restart=on-failure",
    "LimitMEMLOCK=infinity",
    "AmbientCapabilities=CAP_IPC_LOCK",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
