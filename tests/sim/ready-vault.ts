// The vault charm deployed and brought to serving, as an operator would: initialise, unseal-keys
// from a granted secret, authorise the charm with a one-off token. Used by the integration suites'
// fixtures and by the benchmarks; it throws (it is not a test) when a step does not complete.
import { VaultClient } from "../../src/vault/client.js";
import type { Sim } from "./controller.js";
import { projectRoot } from "./paths.js";

export interface ServingVault {
  rootToken: string;
  /** A root-token client on vault/0's Vault, for checks only. */
  root: VaultClient;
  caPem: string;
  url: string;
}

export async function deployServingVault(sim: Sim, charm = projectRoot(), config: Record<string, string> = {}): Promise<ServingVault> {
  await sim.deploy(charm, { app: "vault", config });
  const init = await sim.runAction("vault/0", "initialize", { "key-shares": 1, "key-threshold": 1 });
  if (init.status !== "completed") throw new Error(`initialize: ${init.message}`);
  const rootToken = String(init.results["root-token"]);
  const unseal = sim.addSecret("vault-unseal", { keys: String(init.results["unseal-keys"]) });
  sim.grantSecret("vault-unseal", "vault");
  await sim.setConfig("vault", { "unseal-keys": unseal });
  const token = sim.addSecret("vault-token", { token: rootToken });
  sim.grantSecret("vault-token", "vault");
  const authorised = await sim.runAction("vault/0", "authorize-charm", { "secret-id": token });
  if (authorised.status !== "completed") throw new Error(`authorize-charm: ${authorised.message}`);
  const ca = Object.values(sim.model.secrets).find((s) => s.label === "vault-ca")!;
  const caPem = Buffer.from(ca.revisions.at(-1)!.content.certificate!, "base64").toString();
  const url = `https://${sim.unit("vault/0").address}:8200`;
  return { rootToken, caPem, url, root: new VaultClient({ url, caPem, token: rootToken }) };
}
