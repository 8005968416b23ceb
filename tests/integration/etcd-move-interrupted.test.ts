// Regression: the move from file storage to etcd cut short while `vault operator migrate` copies
// (the hook and its processes killed, as when the machine loses power). The copy had left Vault's
// migration lock in the file storage, so every later try failed with "storage migration in
// progress" and the unit stayed blocked on file storage, stopping and starting Vault on each hook;
// a partial copy that already held the seal config would have been served as the whole data. Now
// the next hook copies again over the partial copy. HashiCorp Vault only (OpenBao has no etcd).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kv2 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { startEtcdCluster, type EtcdCluster } from "../etcd/cluster.js";
import { deployEtcdProvider } from "../etcd/provider.js";
import { killHook } from "../faults/processes.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const etcdBin = process.env.ETCD_BIN_DIR;
const vault = implementations().find((i) => i.name === "vault")!;
const ENTRIES = 40;

describe.skipIf(!etcdBin || !vault.bin)("the move to etcd cut short mid-copy", () => {
  let cluster: EtcdCluster;
  let ready: ReadyVault;
  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 1, binDir: etcdBin! });
    ready = await deployReadyVault(vault.bin!, "etcd-cut-");
  }, 240_000);
  afterAll(async () => {
    await ready?.sim.destroy();
    await cluster?.stop();
  });

  it("copies again on the next hook and loses nothing", async () => {
    const sim = ready.sim;
    await sys.enableKv(ready.root, "before-move", 2, "written on file storage");
    for (let i = 0; i < ENTRIES; i++) await kv2.write(ready.root, "before-move", `entry-${i}`, { value: `v${i}` });
    await deployEtcdProvider(sim, cluster);
    const dir = sim.unit("vault/0").dataDir;
    sim.hookWrapper = ["sh", "-c", 'echo $$ > "$VAULT_CHARM_SIM_ROOT/hook.pid"; exec "$@"', "hook"];
    let killed: number[] = [];
    const watcher = setInterval(() => {
      // Vault's migration lock in the file storage: the copy has begun.
      if (killed.length > 0 || !existsSync(join(dir, "var/snap/vault/common/data/core/_migration"))) return;
      // Vault is stopped while it copies; were a daemon running it would not be the hook's.
      const pidFile = join(dir, "run", "vault.pid");
      const daemon = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : 0;
      killed = killHook(Number(readFileSync(join(dir, "hook.pid"), "utf8")), true, [daemon]);
    }, 2);
    try {
      await sim.integrate("vault:etcd", "etcd:etcd-client");
    } finally {
      clearInterval(watcher);
    }
    expect(killed.length).toBeGreaterThan(1); // the hook and the copy
    expect(sim.unit("vault/0").errorHook).not.toBeNull();

    await sim.resolve("vault/0");
    await sim.settle();
    expect(sim.unit("vault/0").errorHook).toBeNull();
    expect(sim.unit("vault/0").status).toMatchObject({ status: "active", message: "Unsealed (active)" });
    expect(readFileSync(join(dir, "var/snap/vault/common/vault.hcl"), "utf8")).toMatch(/storage "etcd" \{/);
    for (let i = 0; i < ENTRIES; i++) expect((await kv2.read(ready.root, "before-move", `entry-${i}`))?.data).toEqual({ value: `v${i}` });
    const log = readFileSync(join(sim.paths.logs, "vault-0.log"), "utf8");
    expect(log).toMatch(/an earlier copy of Vault's data to etcd \(\/vault\/vault-[0-9a-f]{8}\/\) was cut short: copying it again/);
    expect(log).toMatch(/moved Vault's data to etcd/);
  }, 180_000);
});
