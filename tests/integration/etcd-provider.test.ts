// The etcd_client/v0 provider fixture (tests/etcd/provider-charm) in the simulator, operating a real
// 3-member etcd cluster, against a shell requirer (charms/etcd-requirer): what it publishes, what
// etcd then allows and refuses, certificate renewal, relation removal, and hostile requests.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { selfSignedClientCertificate, startEtcdCluster, type EtcdCluster, type KeyedCertificate } from "../etcd/cluster.js";
import { deployEtcdProvider } from "../etcd/provider.js";
import { Sim } from "../sim/controller.js";
import { parseSecretId } from "../sim/hooktools/secret-content.js";
import { projectRoot } from "../sim/paths.js";

const etcdBinDir = process.env.ETCD_BIN_DIR;
const requirerCharm = join(projectRoot(), "tests", "integration", "charms", "etcd-requirer");

describe.skipIf(!etcdBinDir)(`etcd_client/v0 provider fixture on a real cluster${etcdBinDir ? "" : " (ETCD_BIN_DIR not set: skipped)"}`, () => {
  let cluster: EtcdCluster;
  let sim: Sim;
  let provider: string;
  let relationId: number;
  const certA = selfSignedClientCertificate("req-a");
  /** The identity req-a holds now (it changes in the renewal test). */
  let current = certA;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ binDir: etcdBinDir! });
    sim = await Sim.open(mkdtempSync(join(tmpdir(), "etcd-provider-")));
    provider = await deployEtcdProvider(sim, cluster);
  });
  afterAll(async () => {
    await sim?.destroy();
    await cluster?.stop();
  });

  const appStatus = (app: string) => sim.model.apps[app]!.status;
  const relation = (id: number) => sim.model.relations.find((r) => r.id === id)!;
  const etcdctlAs = (identity: KeyedCertificate, args: string[]) => cluster.etcdctl(args, { identity, commandTimeout: "3s" });
  const secretOf = (uri: string) => sim.model.secrets[parseSecretId(uri)]!;
  const contentOf = (uri: string) =>
    Object.fromEntries(Object.entries(secretOf(uri).revisions.at(-1)!.content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
  const list = async (kind: "user" | "role") => (JSON.parse(await cluster.etcdctl([kind, "list", "-w", "json"])) as Record<string, string[]>)[`${kind}s`] ?? [];
  const getJson = async (args: string[]) => JSON.parse(await cluster.etcdctl([...args, "-w", "json"])) as Record<string, unknown>;
  /**
   * What a provider may change: etcd's RBAC (every user's roles, every role's permissions), the
   * truststore, the member processes. Not etcd's raft index: in 3.4 even RBAC reads go through raft.
   */
  const clusterState = async () => {
    const rbac: Record<string, unknown> = {};
    for (const user of await list("user")) rbac[`user ${user}`] = (await getJson(["user", "get", user])).roles;
    for (const role of await list("role")) rbac[`role ${role}`] = (await getJson(["role", "get", role])).perm;
    return { rbac, truststore: readFileSync(cluster.truststoreFile, "utf8"), pids: cluster.members().map((m) => m.pid) };
  };
  const expectTrusted = async (identity: KeyedCertificate, trusted: boolean) => {
    for (const i of [0, 1, 2]) expect((await cluster.probeTls(identity, i)).accepted, `member ${i}`).toBe(trusted);
  };

  it("waits for the requirer's prefix and certificate, and trusts nothing meanwhile", async () => {
    await sim.deploy(requirerCharm, { app: "req-a", config: { prefix: "/req-a/" } });
    relationId = (await sim.integrate(provider, "req-a")).id;
    expect(appStatus(provider)).toMatchObject({ status: "waiting", message: "waiting for req-a's prefix and certificate" });
    expect(relation(relationId).appData[provider] ?? {}).toEqual({});
    await expectTrusted(certA, false);
    await expect(etcdctlAs(certA, ["get", "/req-a/k"])).rejects.toThrow(/deadline exceeded/);
  });

  it("serves it: the CN's user reads and writes its prefix only, and the databag and secrets follow the spec", async () => {
    const before = cluster.members().map((m) => m.pid);
    await sim.setConfig("req-a", { "mtls-cert": certA.certPem });
    expect(appStatus(provider)).toMatchObject({ status: "active", message: "serving 1 client(s)" });
    expect(sim.unit(`${provider}/0`).errorHook).toBeNull();

    // Trusted on every member, by a rolling restart that kept the cluster healthy.
    expect(cluster.members().map((m) => m.pid)).not.toEqual(before);
    expect(await cluster.health()).toEqual([true, true, true]);
    await expectTrusted(certA, true);
    expect((await etcdctlAs(certA, ["put", "/req-a/k", "v1"])).trim()).toBe("OK");
    expect((await etcdctlAs(certA, ["get", "/req-a/k", "--print-value-only"])).trim()).toBe("v1");
    await cluster.etcdctl(["put", "/other/k", "root's"]);
    for (const args of [["get", "/other/k"], ["put", "/other/k", "x"], ["put", "/req-a", "x"], ["put", "/req-ab/k", "x"], ["get", "", "--prefix"], ["user", "list"]]) {
      await expect(etcdctlAs(certA, args), args.join(" ")).rejects.toThrow(/permission denied/);
    }
    expect(await cluster.etcdctl(["user", "get", "req-a"])).toMatch(/Roles: req-a/);
    expect(await cluster.etcdctl(["role", "get", "req-a"])).toMatch(/\[\/req-a\/, \/req-a0\) \(prefix \/req-a\/\)/);

    const bag = relation(relationId).appData[provider]!;
    expect(Object.keys(bag).sort()).toEqual(["endpoints", "secret-tls", "secret-user", "version"]);
    expect(bag.endpoints).toBe(cluster.endpoints.map((u) => new URL(u).host).join(","));
    const [status] = JSON.parse(await cluster.etcdctl(["endpoint", "status", "-w", "json"])) as { Status: { version: string } }[];
    expect(bag.version).toBe(status!.Status.version);
    expect(bag.version).toMatch(/^3\.4\.\d+$/);
    for (const [key, group] of [["secret-user", "user"], ["secret-tls", "tls"]] as const) {
      const secret = secretOf(bag[key]!);
      expect(secret).toMatchObject({ ownerKind: "application", owner: provider, label: `etcd-client.${relationId}.${group}.secret` });
      expect(secret.grants).toContainEqual({ relationId, target: "req-a" });
    }
    expect(contentOf(bag["secret-user"]!)).toEqual({ username: "req-a", uris: cluster.endpoints.join(",") });
    expect(contentOf(bag["secret-tls"]!)).toEqual({ tls: "True", "tls-ca": cluster.caPem.replace(/\r\n/g, "\n").trim() });
    // The requirer read both through its own hook tools: the grants work.
    const received = (group: string) => JSON.parse(readFileSync(join(sim.unit("req-a/0").dataDir, `etcd-${group}-${relationId}.json`), "utf8")) as unknown;
    expect(received("user")).toEqual(contentOf(bag["secret-user"]!));
    expect(received("tls")).toEqual(contentOf(bag["secret-tls"]!));
  }, 60_000);

  it("a hook with nothing to change writes nothing to etcd and restarts no member", async () => {
    const before = await clusterState();
    const revisions = Object.values(sim.model.secrets).map((s) => [s.id, s.revisions.length]);
    const runs = sim.runs.length;
    const logFile = join(sim.paths.logs, `${provider}-0.log`);
    const logged = readFileSync(logFile, "utf8").length;
    await sim.runHook(`${provider}/0`, "update-status");
    const env = { JUJU_RELATION: "etcd-client", JUJU_RELATION_ID: `etcd-client:${relationId}`, JUJU_REMOTE_UNIT: "", JUJU_REMOTE_APP: "req-a" };
    await sim.runHook(`${provider}/0`, "etcd-client-relation-changed", env);
    expect(sim.runs.slice(runs).map((r) => [r.name, r.exitCode])).toEqual([["update-status", 0], ["etcd-client-relation-changed", 0]]);
    expect(await clusterState()).toEqual(before);
    expect(Object.values(sim.model.secrets).map((s) => [s.id, s.revisions.length])).toEqual(revisions);
    // What the operator reads in debug-log: earlier hooks reported their changes ("etcd: user req-a added; ..."), these none.
    const changes = (text: string) => text.split("\n").filter((line) => / etcd: (user|role|members) /.test(line));
    const log = readFileSync(logFile, "utf8");
    expect(changes(log.slice(0, logged)).length).toBeGreaterThan(0);
    expect(changes(log.slice(logged))).toEqual([]);
    expect(appStatus(provider)).toMatchObject({ status: "active", message: "serving 1 client(s)" });
  });

  it("refuses hostile or malformed requests with the reason in status, creating nothing", async () => {
    await cluster.addUserWithPrefix("outsider", "/outsider/");
    const cert = (cn: string) => selfSignedClientCertificate(cn).certPem;
    const good = cert("req-bad");
    const stranger = sim.addSecret("stranger", { "mtls-cert": good }); // exists, but not granted to the provider
    const cases: [Record<string, string>, RegExp][] = [
      [{ prefix: "/" }, /prefix "\/" would cover the whole keyspace/],
      [{ prefix: "/../" }, /prefix "\/..\/" has a ".." segment/],
      [{ prefix: "" }, /sent a certificate but no prefix/],
      [{ prefix: "/req-a/mine/" }, /prefix \/req-a\/mine\/ overlaps \/req-a\/ of req-a \(etcd-client:\d+\)/],
      [{ "mtls-cert": cluster.caPem }, /mtls-cert is a CA certificate/],
      [{ "mtls-cert": "garbage" }, /mtls-cert holds no PEM certificate/],
      [{ "mtls-cert": "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----" }, /mtls-cert's first certificate is not a valid X\.509 certificate/],
      [{ "mtls-cert": cert("root") }, /mtls-cert's CN "root" is reserved/],
      [{ "mtls-cert": cert("outsider") }, /etcd already has a user or role outsider that etcd does not manage/],
      [{ "mtls-cert": cert("req-a") }, /CN req-a is already the etcd user of req-a \(etcd-client:\d+\)/],
      [{ "secret-mtls": stranger }, /cannot read secret-mtls .*is it granted to the relation\?/],
      [{ "secret-mtls": "--help" }, /secret-mtls "--help" is not a secret URI/],
      [{ "requested-secrets": "not json" }, /requested-secrets is not JSON/],
      [{ "requested-secrets": '["username"]' }, /requested-secrets lacks uris, tls, tls-ca/],
      [{ "provided-secrets": "[]" }, /provided-secrets does not list mtls-cert/],
    ];
    await sim.deploy(requirerCharm, { app: "req-bad" });
    const bad = (await sim.integrate(provider, "req-bad")).id;
    const before = await clusterState();
    const base = { "mtls-cert": good, prefix: "/req-bad/" };
    onTestFinished(() => (relation(bad) ? sim.removeRelation(bad) : undefined));
    for (const [override, reason] of cases) {
      const config = { ...base, ...override };
      const reset = ["secret-mtls", "requested-secrets", "provided-secrets"].filter((k) => !(k in config));
      await sim.setConfig("req-bad", config, reset);
      const label = JSON.stringify(override).slice(0, 60);
      expect(appStatus(provider).status, label).toBe("blocked");
      expect(appStatus(provider).message, label).toMatch(new RegExp(`^req-bad \\(etcd-client:${bad}\\): ${reason.source}`));
      expect(sim.unit(`${provider}/0`).errorHook, label).toBeNull();
      expect(relation(bad).appData[provider] ?? {}, label).toEqual({});
      expect(await clusterState(), label).toEqual(before);
    }
    // The served requirer was never disturbed; removing the refused one deletes nothing.
    expect((await etcdctlAs(certA, ["get", "/req-a/k", "--print-value-only"])).trim()).toBe("v1");
    await sim.removeRelation(bad);
    expect(await clusterState()).toEqual(before);
    expect(appStatus(provider)).toMatchObject({ status: "active", message: "serving 1 client(s)" });
  }, 120_000);

  it("a new revision of the requirer's certificate: the new one works, the old one is refused", async () => {
    const renewed = selfSignedClientCertificate("req-a");
    // Two-phase, as a requirer with several units rotates: both certificates, then the new one alone.
    await sim.setConfig("req-a", { "mtls-cert": `${renewed.certPem}\n${certA.certPem}` });
    await expectTrusted(renewed, true);
    await expectTrusted(certA, true);
    await sim.setConfig("req-a", { "mtls-cert": renewed.certPem });
    expect(appStatus(provider)).toMatchObject({ status: "active", message: "serving 1 client(s)" });
    await expectTrusted(certA, false);
    expect((await etcdctlAs(renewed, ["put", "/req-a/k", "v2"])).trim()).toBe("OK");
    expect(await cluster.health()).toEqual([true, true, true]);

    // A certificate with another CN: a new user on the same prefix, the old user gone.
    const renamed = selfSignedClientCertificate("req-a-v2");
    await sim.setConfig("req-a", { "mtls-cert": renamed.certPem });
    expect((await etcdctlAs(renamed, ["get", "/req-a/k", "--print-value-only"])).trim()).toBe("v2");
    await expect(etcdctlAs(renamed, ["get", "/other/k"])).rejects.toThrow(/permission denied/);
    await expectTrusted(renewed, false);
    expect(await list("user")).toEqual(expect.arrayContaining(["req-a-v2"]));
    expect(await list("user")).not.toContain("req-a");
    expect(await list("role")).not.toContain("req-a");
    const userSecret = relation(relationId).appData[provider]!["secret-user"]!;
    expect(contentOf(userSecret).username).toBe("req-a-v2");
    // The requirer got secret-changed and refreshed to the new revision.
    const received = JSON.parse(readFileSync(join(sim.unit("req-a/0").dataDir, `etcd-user-${relationId}.json`), "utf8")) as Record<string, string>;
    expect(received.username).toBe("req-a-v2");
    expect(await cluster.health()).toEqual([true, true, true]);

    // secret-mtls now names another secret (here a user secret granted to the provider).
    const moved = selfSignedClientCertificate("req-a-v2");
    const elsewhere = sim.addSecret("req-a-moved", { "mtls-cert": moved.certPem });
    sim.grantSecret(elsewhere, provider);
    await sim.setConfig("req-a", { "secret-mtls": elsewhere });
    expect((await etcdctlAs(moved, ["get", "/req-a/k", "--print-value-only"])).trim()).toBe("v2");
    await expectTrusted(renamed, false);
    current = moved;
  }, 90_000);

  it("publishes fewer endpoints or a CA bundle when its config says so, as a scaling or rotating provider would", async () => {
    const before = await clusterState();
    const extraCa = selfSignedClientCertificate("next CA stand-in").certPem.replace(/\r\n/g, "\n").trim();
    await sim.setConfig(provider, { "advertised-members": "0,2", "extra-ca": extraCa });
    const bag = relation(relationId).appData[provider]!;
    const advertised = [cluster.endpoints[0]!, cluster.endpoints[2]!];
    expect(bag.endpoints).toBe(advertised.map((u) => new URL(u).host).join(","));
    expect(contentOf(bag["secret-user"]!).uris).toBe(advertised.join(","));
    expect(contentOf(bag["secret-tls"]!)["tls-ca"]).toBe(`${cluster.caPem.replace(/\r\n/g, "\n").trim()}\n${extraCa}`);
    // The requirer was told (secret-changed) and now holds the new revisions.
    const received = (group: string) => JSON.parse(readFileSync(join(sim.unit("req-a/0").dataDir, `etcd-${group}-${relationId}.json`), "utf8")) as Record<string, string>;
    expect(received("user").uris).toBe(advertised.join(","));
    expect(received("tls")["tls-ca"]).toContain(extraCa);
    // Nothing to do in etcd for it.
    expect(await clusterState()).toEqual(before);

    await sim.setConfig(provider, {}, ["advertised-members", "extra-ca"]);
    expect(relation(relationId).appData[provider]!.endpoints).toBe(cluster.endpoints.map((u) => new URL(u).host).join(","));
    await sim.setConfig(provider, { "advertised-members": "0,7" });
    expect(appStatus(provider)).toMatchObject({ status: "blocked", message: 'advertised-members "0,7" is not a list of member indexes 0..2' });
    await sim.setConfig(provider, {}, ["advertised-members"]);
    expect(appStatus(provider)).toMatchObject({ status: "active", message: "serving 1 client(s)" });
  });

  it("relation removed: user and role deleted, certificate untrusted, secrets removed", async () => {
    const userSecret = relation(relationId).appData[provider]!["secret-user"]!;
    await sim.removeRelation(relationId);
    expect(await list("user")).not.toContain("req-a-v2");
    expect(await list("role")).not.toContain("req-a-v2");
    await expectTrusted(current, false);
    await expect(etcdctlAs(current, ["get", "/req-a/k"])).rejects.toThrow(/deadline exceeded/);
    expect(readFileSync(cluster.truststoreFile, "utf8")).not.toMatch(/managed by/);
    expect(sim.model.secrets[parseSecretId(userSecret)]).toBeUndefined();
    expect(Object.values(sim.model.secrets).filter((s) => s.owner === provider)).toEqual([]);
    expect(appStatus(provider)).toMatchObject({ status: "active", message: "serving 0 client(s)" });
    expect(await cluster.health()).toEqual([true, true, true]);
    // What the requirer wrote stays, for root: the provider deletes access, not data.
    expect((await cluster.etcdctl(["get", "/req-a/k", "--print-value-only"])).trim()).toBe("v2");
    expect(sim.runs.filter((r) => r.exitCode !== 0).map((r) => `${r.unit} ${r.name}`)).toEqual([]);
  }, 60_000);
});
