// The systemd unit that runs Vault from the snap with the charm's configuration.
import { VAULT_SNAP } from "./service.js";

/**
 * `onStart`: a command systemd runs after each start (ExecStartPost, "-": its failure never fails
 * Vault's start); the charm uses it to be run at once when Vault restarts behind its back.
 */
export function renderVaultUnit(configFile: string, onStart: string | null = null): string {
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
    ...(onStart ? [`ExecStartPost=-${onStart}`] : []),
    "Restart=on-failure",
    "RestartSec=1",
    "LimitMEMLOCK=infinity",
    "AmbientCapabilities=CAP_IPC_LOCK",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
