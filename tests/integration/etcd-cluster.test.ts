// A real 3-member etcd cluster with mutual TLS and RBAC (tests/etcd/cluster.ts), acting as the
// provider of the etcd_client/v0 interface: per-requirer users confined to their key prefix, the
// requirer's own certificate trusted and untrusted, a member lost and regained, and HashiCorp Vault
// storing its data in the cluster as a restricted user.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VaultClient } from "../../src/vault/client.js";
import { kv2 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { freePorts, selfSignedClientCertificate, startEtcdCluster, type EtcdCluster } from "../etcd/cluster.js";
import { projectRoot } from "../sim/paths.js";

/** ETCD_BIN_DIR, else what scripts/install-etcd.sh has cached (or downloads now: two .debs, seconds). */
function etcdBinDir(): { dir: string | null; why: string } {
  if (process.env.ETCD_BIN_DIR) return { dir: process.env.ETCD_BIN_DIR, why: "" };
  const result = spawnSync("bash", [join(projectRoot(), "scripts", "install-etcd.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const dir = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status === 0 && dir) return { dir, why: "" };
  const reason = (result.stderr || result.error?.message || "").trim().split("\n").slice(-2).join(" ");
  return { dir: null, why: `scripts/install-etcd.sh gave no binary (${reason || `exit ${result.status}`}): skipped` };
}

const etcd = etcdBinDir();
const vaultBin = process.env.VAULT_BIN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!etcd.dir)(`etcd cluster with mutual TLS and RBAC${etcd.dir ? "" : ` (${etcd.why})`}`, () => {
  let cluster: EtcdCluster;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3, binDir: etcd.dir! });
  });
  afterAll(async () => cluster?.stop());

  it("(a) starts 3 healthy members with RBAC on", async () => {
    expect(cluster.endpoints).toHaveLength(3);
    for (const url of cluster.endpoints) expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await cluster.health()).toEqual([true, true, true]);
    expect((await cluster.etcdctl(["member", "list"])).trim().split("\n")).toHaveLength(3);
    // The root identity is a client certificate with CN=root, and root holds the root role.
    expect(await cluster.etcdctl(["user", "get", "root"])).toMatch(/User: root\s+Roles: root/);
    // Auth is on: a certificate from the cluster CA whose CN names no etcd user gets nothing.
    const nobody = await cluster.issueClientCertificate("nobody");
    await expect(cluster.etcdctl(["get", "/vault/x"], { identity: nobody })).rejects.toThrow(/permission denied/);
    // Admin requests name the missing user.
    await expect(cluster.etcdctl(["user", "add", "intruder", "--no-password"], { identity: nobody })).rejects.toThrow(/user name not found/);
  });

  it("(b) confines a requirer's user to its prefix", async () => {
    await cluster.addUserWithPrefix("vault-x", "/vault/");
    expect(await cluster.etcdctl(["role", "get", "vault-x-rw"])).toMatch(/\[\/vault\/, \/vault0\) \(prefix \/vault\/\)/);
    const vaultX = await cluster.issueClientCertificate("vault-x");

    expect((await cluster.etcdctl(["put", "/vault/b/key", "value-b"], { identity: vaultX })).trim()).toBe("OK");
    expect((await cluster.etcdctl(["get", "/vault/b/key", "--print-value-only"], { identity: vaultX })).trim()).toBe("value-b");
    expect(await cluster.etcdctl(["get", "/vault/", "--prefix", "--keys-only"], { identity: vaultX })).toMatch(/\/vault\/b\/key/);

    await cluster.etcdctl(["put", "/other/key", "root's"]);
    for (const args of [["get", "/other/key"], ["get", "", "--prefix"], ["put", "/other/key", "x"], ["put", "/vaultx", "x"], ["user", "list"]]) {
      await expect(cluster.etcdctl(args, { identity: vaultX }), args.join(" ")).rejects.toThrow(/permission denied/);
    }
    expect((await cluster.etcdctl(["get", "/other/key", "--print-value-only"])).trim()).toBe("root's");
  });

  it("etcd 3.4 does not reload --trusted-ca-file without a restart", async () => {
    const other = selfSignedClientCertificate("vault-z");
    await cluster.trustCertificate(other.certPem, { restart: false });
    try {
      await sleep(1000);
      for (const i of [0, 1, 2]) expect(await cluster.probeTls(other, i)).toMatchObject({ accepted: false });
    } finally {
      // Back to the bundle the members loaded: nothing to restart for.
      await cluster.untrustCertificate(other.certPem, { restart: false });
    }
  });

  it("(c) trusts a requirer's own self-signed certificate only while it is in the truststore", async () => {
    const vaultY = selfSignedClientCertificate("vault-y");
    await cluster.addUserWithPrefix("vault-y", "/vault-y/");

    // Refused by TLS: the handshake fails, before any RBAC check.
    const refused = await cluster.probeTls(vaultY);
    expect(refused).toMatchObject({ accepted: false });
    expect(refused.accepted ? "" : refused.error).toMatch(/bad certificate|unknown ca/i);
    expect(cluster.logs(0)).toMatch(/failed to verify client.*certificate.*x509: certificate signed by unknown authority/);
    await expect(cluster.etcdctl(["get", "/vault-y/key"], { identity: vaultY, commandTimeout: "2s" })).rejects.toThrow(/deadline exceeded/);

    await cluster.trustCertificate(vaultY.certPem); // rolling restart
    expect(await cluster.health()).toEqual([true, true, true]);
    for (const i of [0, 1, 2]) expect(await cluster.probeTls(vaultY, i)).toEqual({ accepted: true });
    expect((await cluster.etcdctl(["put", "/vault-y/key", "value-y"], { identity: vaultY })).trim()).toBe("OK");
    expect((await cluster.etcdctl(["get", "/vault-y/key", "--print-value-only"], { identity: vaultY })).trim()).toBe("value-y");
    await expect(cluster.etcdctl(["get", "/vault/b/key"], { identity: vaultY })).rejects.toThrow(/permission denied/);

    // Relation removed: user and role deleted, certificate out of the truststore.
    await cluster.removeUser("vault-y");
    await expect(cluster.etcdctl(["get", "/vault-y/key"], { identity: vaultY })).rejects.toThrow(/permission denied/);
    expect(await cluster.etcdctl(["role", "list"])).not.toMatch(/vault-y-rw/);
    await cluster.untrustCertificate(vaultY.certPem);
    expect(await cluster.health()).toEqual([true, true, true]);
    for (const i of [0, 1, 2]) expect(await cluster.probeTls(vaultY, i)).toMatchObject({ accepted: false });
    // The cluster's own clients were never affected.
    expect((await cluster.etcdctl(["get", "/vault-y/key", "--print-value-only"])).trim()).toBe("value-y");
  }, 90_000);

  it("(d) keeps serving with a member down (the leader) and the member catches up on return", async () => {
    const vaultX = await cluster.issueClientCertificate("vault-x");
    const down = await cluster.leader();
    const up = [0, 1, 2].filter((i) => i !== down);
    await cluster.stopMember(down);
    const states = await cluster.health();
    expect(states[down]).toBe(false);
    expect(up.map((i) => states[i])).toEqual([true, true]);

    // Through all endpoints (the client skips the dead one) and through each remaining one alone.
    expect((await cluster.etcdctl(["put", "/vault/d/all", "written while down"], { identity: vaultX })).trim()).toBe("OK");
    for (const i of up) {
      const only = { identity: vaultX, endpoints: [cluster.endpoints[i]!] };
      expect((await cluster.etcdctl(["put", `/vault/d/via-${i}`, `v${i}`], only)).trim()).toBe("OK");
      expect((await cluster.etcdctl(["get", "/vault/d/all", "--print-value-only"], only)).trim()).toBe("written while down");
    }
    await expect(
      cluster.etcdctl(["get", "/vault/d/all"], { identity: vaultX, endpoints: [cluster.endpoints[down]!], commandTimeout: "2s" }),
    ).rejects.toThrow();

    await cluster.startMember(down);
    expect(await cluster.health()).toEqual([true, true, true]);
    // A serializable read is answered from the member's own store: it has what was written meanwhile.
    const local = { identity: vaultX, endpoints: [cluster.endpoints[down]!] };
    let values = "";
    for (let attempt = 0; attempt < 25; attempt++) {
      values = await cluster.etcdctl(["get", "/vault/d/", "--prefix", "--consistency=s"], local);
      if (values.includes("written while down") && up.every((i) => values.includes(`v${i}`))) break;
      await sleep(200);
    }
    expect(values).toContain("written while down");
    for (const i of up) expect(values).toContain(`/vault/d/via-${i}\nv${i}`);
  }, 90_000);

  it.skipIf(!vaultBin)(`(e) HashiCorp Vault keeps its data in the cluster as a user confined to /vault/${vaultBin ? "" : " (VAULT_BIN not set: skipped)"}`, async () => {
    const identity = cluster.identityFiles(await cluster.issueClientCertificate("vault-x"));
    const [port, clusterPort] = await freePorts(2);
    const config = join(cluster.dir, "vault.hcl");
    writeFileSync(
      config,
      [
        "disable_mlock = true",
        `api_addr = "http://127.0.0.1:${port}"`,
        `cluster_addr = "https://127.0.0.1:${clusterPort}"`,
        'storage "etcd" {',
        // Full URLs: Vault refuses bare host:port ("address must be valid URL").
        `  address = "${cluster.endpoints.join(",")}"`,
        '  etcd_api = "v3"',
        '  ha_enabled = "true"',
        '  path = "/vault/"',
        `  tls_ca_file = "${cluster.caFile}"`,
        `  tls_cert_file = "${identity.certFile}"`,
        `  tls_key_file = "${identity.keyFile}"`,
        "}",
        `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  cluster_address = "127.0.0.1:${clusterPort}"\n  tls_disable = true\n}`,
        "",
      ].join("\n"),
    );
    const child: ChildProcess = spawn(vaultBin!, ["server", `-config=${config}`], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8000)));
    const killVault = () => child.kill("SIGKILL");
    process.once("exit", killVault);
    try {
      const anonymous = new VaultClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 10_000 });
      const until = async <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          if (child.exitCode !== null) throw new Error(`vault exited ${child.exitCode}: ${log}`);
          const value = await probe().catch(() => undefined);
          if (value !== undefined) return value;
          if (Date.now() > deadline) throw new Error(`vault: ${what} not reached in 30 s: ${log}`);
          await sleep(200);
        }
      };
      await until("listening", () => sys.health(anonymous));
      const init = await sys.initialize(anonymous.withTimeout(60_000), 1, 1);
      expect((await sys.submitUnsealKey(anonymous, init.keysBase64[0]!)).sealed).toBe(false);
      const root = anonymous.withToken(init.rootToken);
      // Unsealed, the node is a standby until it holds the HA lock in etcd.
      await until("active", async () => ((await sys.leader(root)).isSelf ? true : undefined));
      expect(await sys.leader(root)).toMatchObject({ haEnabled: true, isSelf: true });

      await sys.enableKv(root, "secret", 2, "etcd test");
      expect(await kv2.write(root, "secret", "app/db", { password: "hunter2" })).toBe(1);
      expect((await kv2.read(root, "secret", "app/db"))?.data).toEqual({ password: "hunter2" });

      const keys = (await cluster.etcdctl(["get", "", "--prefix", "--keys-only"])).split("\n").filter(Boolean);
      const vaultKeys = keys.filter((k) => k.startsWith("/vault/") && !k.startsWith("/vault/b/") && !k.startsWith("/vault/d/"));
      expect(vaultKeys).toEqual(expect.arrayContaining(["/vault/core/keyring", "/vault/core/seal-config"]));
      expect(vaultKeys.some((k) => k.startsWith("/vault/core/lock/"))).toBe(true); // the HA lock
      expect(vaultKeys.some((k) => k.startsWith("/vault/logical/"))).toBe(true); // the KV mount's data
      // Nothing outside its prefix: only the keys earlier tests wrote as other users are there.
      expect(keys.filter((k) => !k.startsWith("/vault/")).sort()).toEqual(["/other/key", "/vault-y/key"]);
      // The secret is stored encrypted by Vault's barrier.
      expect(await cluster.etcdctl(["get", "/vault/", "--prefix"])).not.toContain("hunter2");

      // A provider rolling-restarts its members when another requirer's certificate is trusted:
      // Vault rides it out.
      await cluster.trustCertificate(selfSignedClientCertificate("someone-else").certPem);
      expect((await kv2.read(root, "secret", "app/db"))?.data).toEqual({ password: "hunter2" });
      expect(await kv2.write(root, "secret", "app/db", { password: "hunter3" })).toBe(2);
      expect(await sys.health(anonymous)).toMatchObject({ initialized: true, sealed: false, standby: false });
    } finally {
      process.removeListener("exit", killVault);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, sleep(5000)]);
        if (child.exitCode === null) killVault();
      }
    }
  }, 120_000);
});
