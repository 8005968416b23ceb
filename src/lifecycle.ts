// Vault's own state on this unit: initialised, unsealed (by the operator or from `unseal-keys`),
// and whether the charm holds its own AppRole. Each step reports a verdict an operator can act on.
import { recall, remember } from "./hook-memo.js";
import type { Hook } from "./hook.js";
import { readGrantedSecret } from "./secrets/read.js";
import { active, blocked, waiting, type Verdict } from "./status.js";
import { checkSharesAgainst, parseUnsealKeys } from "./unseal.js";
import type { VaultClient } from "./vault/client.js";
import { VaultUnreachableError } from "./vault/errors.js";
import { health, leader, sealStatus, submitUnsealKey, type VaultHealth } from "./vault/sys.js";

export interface VaultState {
  verdicts: Verdict[];
  health: VaultHealth | null;
}

/** Reads the operator's unseal keys; null with a verdict when they cannot be used. */
function readUnsealKeys(hook: Hook): { keys: string[] } | { verdict: Verdict } {
  const uri = hook.config.unsealKeysSecret;
  if (!uri) return { verdict: blocked("Vault is sealed: run unseal or set unseal-keys") };
  // The tracked revision; the newest (refreshed) on secret-changed for it.
  const content = readGrantedSecret(hook, { id: uri });
  if (!content) return { verdict: blocked(`Vault is sealed: cannot read unseal-keys secret (run juju grant-secret <name> ${hook.juju.appName})`) };
  const parsed = parseUnsealKeys(content);
  if (!parsed.ok) return { verdict: blocked(`Vault is sealed: ${parsed.reason}`) };
  return { keys: parsed.keys };
}

/** Submits shares until Vault unseals or the shares run out. */
async function unsealFromKeys(hook: Hook, vault: VaultClient, keys: string[]): Promise<Verdict | null> {
  let progress = { sealed: true, progress: 0, threshold: 0 };
  for (const key of keys) {
    progress = await submitUnsealKey(vault, key);
    if (!progress.sealed) {
      hook.log.info("unsealed Vault with the keys from unseal-keys");
      return null;
    }
  }
  return blocked(`Vault is sealed: the unseal-keys shares did not unseal it (${progress.progress}/${progress.threshold})`);
}

/**
 * While Vault is unsealed the operator's unseal-keys are otherwise untested until the next restart,
 * when it is too late: check now what can be checked without sealing (readable, well-formed shares
 * of this Vault, enough of them) and say so in status.
 */
async function checkUnsealKeys(hook: Hook, vault: VaultClient): Promise<Verdict | null> {
  const uri = hook.config.unsealKeysSecret;
  if (!uri) return null;
  // A new revision comes with secret-changed, a new URI with config-changed, before any
  // update-status: what the last hook found stands (src/hook-memo.ts).
  const known = recall("unsealKeys");
  if (known?.uri === uri) return known.problem;
  const problem = await unsealKeysProblem(hook, vault, uri);
  remember("unsealKeys", { uri, problem });
  return problem;
}

async function unsealKeysProblem(hook: Hook, vault: VaultClient, uri: string): Promise<Verdict | null> {
  const content = readGrantedSecret(hook, { id: uri });
  const later = "Vault is unsealed now but would stay sealed after a restart";
  if (!content) return blocked(`unseal-keys cannot be read (run juju grant-secret <name> ${hook.juju.appName}): ${later}`);
  const parsed = parseUnsealKeys(content);
  const why = parsed.ok ? checkSharesAgainst(parsed.keys, await sealStatus(vault)) : parsed.reason.replace(/^the unseal-keys secret /, "it ");
  if (!why) return null;
  hook.log.warn(`unseal-keys: ${why}`);
  return blocked(`unseal-keys: ${why}; ${later}`);
}

const LEADERSHIP_WAIT_MS = 15_000;

/**
 * Right after unsealing, an HA-capable Vault (raft, etcd) spends a few seconds electing an active
 * node; reporting "standby" then would be wrong. Wait until some node is active, briefly.
 */
async function waitForLeadership(vault: VaultClient): Promise<VaultHealth> {
  const deadline = Date.now() + LEADERSHIP_WAIT_MS;
  for (;;) {
    const state = await health(vault);
    const info = state.standby ? await leader(vault) : null;
    if (!state.standby || !info?.haEnabled || (info.leaderAddress && !info.isSelf) || Date.now() > deadline) return state;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const STARTUP_WAIT_MS = 30_000;

/** Health, waiting up to STARTUP_WAIT_MS for a Vault this hook just (re)started to open its port. */
export async function healthAfterStart(vault: VaultClient, justStarted: boolean): Promise<VaultHealth | null> {
  const deadline = Date.now() + (justStarted ? STARTUP_WAIT_MS : 0);
  for (;;) {
    try {
      return await health(vault);
    } catch (error) {
      if (!(error instanceof VaultUnreachableError)) throw error;
      if (Date.now() > deadline) return null;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export async function reconcileVaultState(hook: Hook, vault: VaultClient, justStarted = false): Promise<VaultState> {
  let state: VaultHealth;
  const first = await healthAfterStart(vault, justStarted);
  if (!first) return { verdicts: [waiting("Waiting for Vault to answer")], health: null };
  state = first;
  if (!state.initialized) {
    const next = hook.isLeader ? "run the initialize action" : "run the initialize action on the leader";
    return { verdicts: [blocked(`Vault is not initialised: ${next}`)], health: state };
  }
  if (state.sealed) {
    const keys = readUnsealKeys(hook);
    if ("verdict" in keys) return { verdicts: [keys.verdict], health: state };
    const verdict = await unsealFromKeys(hook, vault, keys.keys);
    if (verdict) return { verdicts: [verdict], health: state };
    state = await waitForLeadership(vault);
  }
  const role = state.standby ? "standby" : "active";
  const keysProblem = await checkUnsealKeys(hook, vault);
  return { verdicts: [keysProblem ?? active(`Unsealed (${role})`)], health: state };
}
