// Shared set-up for integration suites: a simulated model with the vault charm deployed on a real
// server, initialised, unsealing itself from a secret and authorised, plus a root client for checks.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { VaultClient } from "../../src/vault/client.js";
import { Sim } from "../sim/controller.js";
import { projectRoot } from "../sim/paths.js";

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
  await sim.deploy(projectRoot(), { app: "vault", config });
  const init = await sim.runAction("vault/0", "initialize", { "key-shares": 1, "key-threshold": 1 });
  expect(init.status, init.message).toBe("completed");
  const rootToken = String(init.results["root-token"]);
  const unseal = sim.addSecret("vault-unseal", { keys: String(init.results["unseal-keys"]) });
  sim.grantSecret("vault-unseal", "vault");
  await sim.setConfig("vault", { "unseal-keys": unseal });
  const token = sim.addSecret("vault-token", { token: rootToken });
  sim.grantSecret("vault-token", "vault");
  const authorised = await sim.runAction("vault/0", "authorize-charm", { "secret-id": token });
  expect(authorised.status, authorised.message).toBe("completed");
  expect(sim.unit("vault/0").status.message).toBe("Unsealed (active)");
  const ca = Object.values(sim.model.secrets).find((s) => s.label === "vault-ca")!;
  const caPem = Buffer.from(ca.revisions.at(-1)!.content.certificate!, "base64").toString();
  const url = `https://${sim.unit("vault/0").address}:8200`;
  return { sim, rootToken, caPem, url, root: new VaultClient({ url, caPem, token: rootToken }) };
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
