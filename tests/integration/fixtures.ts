// Shared set-up for integration suites: a simulated model with the vault charm deployed on a real
// server, initialised, unsealing itself from a secret and authorised, plus a root client for checks.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { VaultClient } from "../../src/vault/client.js";
import { Sim } from "../sim/controller.js";
import { projectRoot } from "../sim/paths.js";
import { deployServingVault } from "../sim/ready-vault.js";

export interface ReadyVault {
  sim: Sim;
  rootToken: string;
  /** A root-token client on the leader's Vault, for assertions only. */
  root: VaultClient;
  caPem: string;
  url: string;
}

/** `beforeDeploy` runs on the opened model before the charm is deployed (e.g. to add workload config). */
export async function deployReadyVault(binary: string, prefix: string, config: Record<string, string> = {}, beforeDeploy?: (sim: Sim) => void): Promise<ReadyVault> {
  const sim = await Sim.open(mkdtempSync(join(tmpdir(), prefix)), { vaultBinary: binary });
  beforeDeploy?.(sim);
  const serving = await deployServingVault(sim, projectRoot(), config);
  expect(sim.unit("vault/0").status.message).toBe("Unsealed (active)");
  return { sim, ...serving };
}

/** A client that talks to Vault from a unit's own address, as that unit's workload would. */
export function clientFrom(ready: ReadyVault, unit: string, token?: string): VaultClient {
  return new VaultClient({ url: ready.url, caPem: ready.caPem, localAddress: ready.sim.unit(unit).address, ...(token ? { token } : {}) });
}

/** Decodes a JSON-encoded relation value (the legacy dialect's wire format). */
export function jsonValue(bag: Record<string, string> | undefined, key: string): string {
  const raw = bag?.[key];
  if (raw === undefined) throw new Error(`no ${key} in ${JSON.stringify(Object.keys(bag ?? {}))}`);
  return JSON.parse(raw) as string;
}

/** Accessors of the live tokens that carry the charm's own policy (a root token lists every accessor). */
export async function charmTokenAccessors(root: VaultClient): Promise<string[]> {
  const listed = await root.request("LIST", "auth/token/accessors");
  const keys = ((listed.data as { keys?: string[] } | undefined)?.keys ?? []) as string[];
  const out: string[] = [];
  for (const accessor of keys) {
    const info = await root.request("POST", "auth/token/lookup-accessor", { body: { accessor } }).catch(() => null);
    const policies = ((info?.data as { policies?: string[] } | undefined)?.policies ?? []) as string[];
    if (policies.includes("juju-vault-charm")) out.push(accessor);
  }
  return out.sort();
}

/** Runs a hook on `unit` and SIGKILLs its process at its `call`-th hook-tool call (a killed hook, as Juju sees one). */
export async function runHookKilledAtCall(ready: ReadyVault, unit: string, hook: string, call: number): Promise<void> {
  // The dispatch runs under a shell that notes its pid, so the test can kill the hook itself.
  ready.sim.hookWrapper = ["sh", "-c", 'echo $$ > "$VAULT_CHARM_SIM_ROOT/hook.pid"; exec "$@"', "hook"];
  let calls = 0;
  ready.sim.observeToolCalls((caller) => {
    if (caller === unit && ++calls === call) process.kill(Number(readFileSync(join(ready.sim.unit(unit).dataDir, "hook.pid"), "utf8")), "SIGKILL");
  });
  try {
    await ready.sim.runHook(unit, hook);
  } finally {
    ready.sim.observeToolCalls(null);
    ready.sim.hookWrapper = [];
  }
}
