// For integration tests of an etcd_client/v0 requirer (the vault charm's `etcd` endpoint): a
// provider application in the simulator that operates a real etcd cluster as Charmed etcd would.
//
//   const cluster = await startEtcdCluster({ binDir: process.env.ETCD_BIN_DIR! });
//   const etcd = await deployEtcdProvider(sim, cluster);          // "etcd", active "serving 0 client(s)"
//   await sim.integrate(`${etcd}:etcd-client`, "vault:etcd");
//
// The provider then creates an etcd user named after the CN of the requirer's `mtls-cert`, with
// readwrite on its `prefix` only, trusts that certificate on every member (a rolling restart, a few
// seconds), and publishes `endpoints`, `version`, `secret-user` and `secret-tls` (granted to the
// relation). Its status says what it is waiting for or why it refuses a request. Config
// `advertised-members` ("0,2") and `extra-ca` (a PEM appended to tls-ca) change what it publishes,
// as a provider that scales or rotates its CA would. Needs `npm run build` (the charm's bundle).
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Sim } from "../sim/controller.js";
import { projectRoot } from "../sim/paths.js";
import type { EtcdCluster } from "./cluster.js";

export const etcdProviderCharmDir = join(projectRoot(), "tests", "etcd", "provider-charm");

/** Deploys the provider (one unit) configured for `cluster`; returns its application name. */
export async function deployEtcdProvider(sim: Sim, cluster: EtcdCluster, app = "etcd"): Promise<string> {
  if (!existsSync(join(etcdProviderCharmDir, "dist", "provider.mjs"))) {
    throw new Error(`${etcdProviderCharmDir}/dist/provider.mjs is missing: run npm run build`);
  }
  await sim.deploy(etcdProviderCharmDir, { app, config: { cluster: cluster.descriptorFile } });
  return app;
}
