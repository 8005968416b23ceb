// Seconds, not minutes, sealed after a crash. systemd restarts a crashed Vault within a second
// (Restart=on-failure), sealed; nothing would run the charm, which unseals it, until update-status
// (5 minutes by default). So the rendered unit's ExecStartPost runs this script, which asks the unit
// agent to run the charm now (`juju-exec <unit> ...`, the agent's own tool on every Juju machine;
// it waits for the hook lock like any hook). The unseal keys stay where they are (a Juju secret):
// nothing about them is written to disk. Starts the charm makes itself are marked and skipped, and
// the script runs the charm at most once per RATE_LIMIT_SECONDS.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Hook } from "./hook.js";
import { writeFileIfChanged } from "./vault/files.js";
import { vaultPaths } from "./vault/paths.js";

export const RATE_LIMIT_SECONDS = 5;
const SCRIPT = "on-vault-start.sh";
/** Present while the charm itself (re)starts Vault: that start needs no extra hook. */
const CHARM_STARTING = "charm-starting-vault";

/** Left by the script for the charm: Vault restarted without it, so give it time to open its port. */
const RESTARTED = "vault-restarted";

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export function renderRestartTrigger(unitName: string, stateDir: string): string {
  return [
    "#!/bin/sh",
    "# Written by the vault charm (src/restart-trigger.ts). Run by systemd after each start of Vault:",
    "# when Vault restarted behind the charm's back, ask the unit agent to run the charm now, which",
    `# unseals it. At most once per ${RATE_LIMIT_SECONDS}s; never delays or fails Vault's start.`,
    `state=${quote(stateDir)}`,
    `if [ -e "$state/${CHARM_STARTING}" ]; then exit 0; fi`,
    `: > "$state/${RESTARTED}"`,
    "now=$(date +%s); last=$(cat \"$state/on-vault-start.stamp\" 2>/dev/null || echo 0)",
    `[ $((now - last)) -ge ${RATE_LIMIT_SECONDS} ] || exit 0`,
    'echo "$now" > "$state/on-vault-start.stamp"',
    `(juju-exec ${quote(unitName)} 'JUJU_DISPATCH_PATH=hooks/update-status ./dispatch' >/dev/null 2>&1 </dev/null &)`,
    "exit 0",
    "",
  ].join("\n");
}

/** Writes the script; returns the ExecStartPost command line that runs it. */
export function installRestartTrigger(hook: Hook): string {
  const stateDir = vaultPaths().charmState;
  const script = join(stateDir, SCRIPT);
  writeFileIfChanged(script, renderRestartTrigger(hook.juju.unitName, stateDir), 0o755);
  return `/bin/sh ${script}`;
}

/** Runs `start` (a systemctl start or restart) marked as the charm's own. */
export function startedByCharm(start: () => void): void {
  const marker = join(vaultPaths().charmState, CHARM_STARTING);
  writeFileSync(marker, "");
  try {
    start();
  } finally {
    rmSync(marker, { force: true });
  }
}

/** Whether systemd restarted Vault since the charm last looked (the flag is taken). */
export function takeRestartedFlag(): boolean {
  const flag = join(vaultPaths().charmState, RESTARTED);
  if (!existsSync(flag)) return false;
  rmSync(flag, { force: true });
  return true;
}
