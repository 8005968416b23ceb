// Whether the unit's previous hook or action ended cleanly. A hook's Vault writes stay when Juju
// discards its relation and secret writes (a failed hook, SIGKILL, a reboot), so what it issued may
// be recorded nowhere; the next hook that finds this note asks for a stray sweep (src/strays.ts)
// instead of every update-status paying for one. One small local file: no hook-tool call, no request.
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readFileOrNull } from "./vault/files.js";
import { vaultPaths } from "./vault/paths.js";

const marker = () => join(vaultPaths().charmState, "hook-running");
const sweepDue = () => join(vaultPaths().charmState, "stray-sweep-due");

/**
 * Notes this hook as running; if the previous one never ended cleanly, a stray sweep is due.
 * Returns whether the previous hook ended cleanly (false before install).
 */
export function noteHookStarted(): boolean {
  if (!existsSync(vaultPaths().charmState)) return false; // before install: nothing issued yet
  const unfinished = existsSync(marker());
  if (unfinished) requestStraySweep();
  writeFileSync(marker(), "", { mode: 0o600 });
  return !unfinished;
}

/** The hook ended cleanly (exit 0): what it wrote to Vault is what Juju commits. */
export function noteHookFinished(): void {
  rmSync(marker(), { force: true });
}

/** The stamp of the unfinished hook that made a stray sweep due, or null. */
export function straySweepDue(): string | null {
  return readFileOrNull(sweepDue());
}

export function straySweepDone(): void {
  rmSync(sweepDue(), { force: true });
}

/**
 * A stray sweep is due: the previous hook did not finish, or this one may exit 0 though what it
 * wrote to Vault is not all committed (an action that failed part-way reports it with action-fail).
 * Stamped, so a sweep under way starts over.
 */
export function requestStraySweep(): void {
  if (existsSync(vaultPaths().charmState)) writeFileSync(sweepDue(), `${Date.now()}-${process.pid}`, { mode: 0o600 });
}
