// Installing and running the Vault service with the production commands (snap, systemctl). The
// simulator provides shims of both that drive the real Vault binary.
import { runCaptured } from "../native-io.js";

export const VAULT_SNAP = "vault";
export const VAULT_SERVICE = "vault";

export class ServiceCommandError extends Error {}

function run(command: string, args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const result = runCaptured(command, args);
  if (result.error) throw new ServiceCommandError(`${command} could not run: ${result.error.message}`);
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr };
}

function mustRun(command: string, args: string[]): string {
  const result = run(command, args);
  if (!result.ok) throw new ServiceCommandError(`${command} ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

export interface InstalledSnap {
  version: string;
  revision: string;
  channel: string;
}

/** The installed vault snap, or null when it is not installed. */
export function installedVaultSnap(): InstalledSnap | null {
  const result = run("snap", ["list", VAULT_SNAP]);
  if (!result.ok) return null;
  // `snap list vault`: header line, then "vault  1.19.0  123  1.19/stable  canonical  -".
  const fields = result.stdout.trim().split("\n")[1]?.trim().split(/\s+/) ?? [];
  return { version: fields[1] ?? "", revision: fields[2] ?? "", channel: fields[3] ?? "" };
}

export type VaultImplementation = "vault" | "openbao";

export interface VaultBuild {
  implementation: VaultImplementation;
  version: string;
}

/**
 * What the installed `vault` command is. The snap ships HashiCorp Vault; the simulator may map it
 * to OpenBao, which has no `file` or `etcd` storage, so the config differs (see hcl.ts).
 */
export function vaultBuild(): VaultBuild | null {
  const result = run(VAULT_SNAP, ["version"]);
  // "Vault v1.21.4 (<commit>), built ..." or "OpenBao v2.7.2 (<commit>), committed ..."
  const match = /^(Vault|OpenBao) v([0-9][^\s,]*)/.exec(result.stdout.trim());
  if (!result.ok || !match) return null;
  return { implementation: match[1] === "OpenBao" ? "openbao" : "vault", version: match[2]! };
}

export function installVault(channel: string): void {
  mustRun("snap", ["install", VAULT_SNAP, `--channel=${channel}`]);
}

export function refreshVault(channel: string): void {
  mustRun("snap", ["refresh", VAULT_SNAP, `--channel=${channel}`]);
}

export function isVaultServiceActive(): boolean {
  return run("systemctl", ["is-active", "--quiet", VAULT_SERVICE]).ok;
}

export function reloadSystemdUnits(): void {
  mustRun("systemctl", ["daemon-reload"]);
}

export function enableVaultService(): void {
  mustRun("systemctl", ["enable", VAULT_SERVICE]);
}

export function startVaultService(): void {
  mustRun("systemctl", ["start", VAULT_SERVICE]);
}

export function restartVaultService(): void {
  mustRun("systemctl", ["restart", VAULT_SERVICE]);
}

export function stopVaultService(): void {
  mustRun("systemctl", ["stop", VAULT_SERVICE]);
}

/**
 * `vault operator migrate`: copies every key from `storage_source` to `storage_destination`, both
 * named in `configFile`, with Vault stopped. Keys are copied as stored (still encrypted by Vault's
 * barrier); the source is left as it was. Returns Vault's own words when it fails.
 */
export function migrateStorage(configFile: string, timeoutMs = 30 * 60 * 1000, options: { resetLock?: boolean } = {}): { ok: true } | { ok: false; output: string } {
  // -reset only removes the lock a copy cut short left in the source ("storage migration in
  // progress"); it copies nothing.
  // Vault logs each key it copies at info ("copied key"): a store of some 10,000 keys outgrew the
  // 1 MiB of output a run may capture, and the copy was killed part-way (ENOBUFS). Warnings and
  // errors are what the charm reports; the buffer is large enough for a store's worth of them.
  const args = ["operator", "migrate", "-log-level=warn", ...(options.resetLock ? ["-reset"] : []), `-config=${configFile}`];
  const result = runCaptured(VAULT_SNAP, args, { timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) return { ok: false, output: result.error.message };
  if (result.status === 0) return { ok: true };
  return { ok: false, output: `${result.stderr}${result.stdout}`.trim().split("\n").slice(-3).join(" ") };
}
