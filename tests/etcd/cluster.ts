// A real etcd cluster for integration tests: N members (3 by default) on 127.0.0.1, mutual TLS on
// both the client and the peer ports, RBAC enabled with a certificate-authenticated root user. It
// plays the provider side of the etcd_client/v0 interface the way Charmed etcd does: one etcd user
// per requirer, named after the CN of the requirer's client certificate, with a read-write role on
// the requested key prefix, and the requirer's certificate added to the client truststore.
//
// Binaries come from scripts/install-etcd.sh (Debian's etcd 3.4 packages, unpacked, never installed).
//
// Truststore changes and etcd 3.4: etcd reloads its own certificate and key files on every TLS
// handshake (etcd-io/etcd#7784), but it builds the pool of trusted client CAs (`--trusted-ca-file`)
// once, at start-up (etcd-io/etcd#11555 is still open; the hot-reload pull requests #16500 and #21074
// were closed unmerged). The test "does not reload --trusted-ca-file" in
// tests/integration/etcd-cluster.test.ts shows it on the real binary. So trustCertificate() and
// untrustCertificate() rewrite the bundle and then restart the members one at a time, each time
// waiting until every member reports healthy again, so the cluster keeps quorum and stays available.
//
// A provider charm running in the simulator operates the cluster as Charmed etcd operates its own:
// `cluster.json` (descriptorFile) tells it the endpoints, CA, truststore file, etcdctl and root's
// client identity, and a control socket (./control.ts) restarts the members after it has rewritten
// the truststore. The truststore file is the one source of truth, shared by the charm and the
// methods below (./truststore.ts), so both can add certificates without undoing each other's.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";
import forge from "node-forge";
import { serveControl, type ClusterDescriptor, type MemberState } from "./control.js";
import { readTruststore, samePem, sha256, writeTruststore, type TrustEntry } from "./truststore.js";

export interface KeyedCertificate {
  certPem: string;
  keyPem: string;
}

/** Paths of a client identity written to disk (key mode 0600), for etcdctl or another client such as Vault. */
export interface IdentityFiles {
  certFile: string;
  keyFile: string;
}

export interface StartOptions {
  /** Directory holding `etcd` and `etcdctl` (the last line printed by scripts/install-etcd.sh). */
  binDir: string;
  members?: number;
}

export interface EtcdctlOptions {
  /** Client certificate to authenticate with (etcd takes the user name from its CN); root's by default. */
  identity?: KeyedCertificate;
  /** Endpoints to talk to; all members' by default. */
  endpoints?: string[];
  /** etcdctl's --command-timeout (default 8s); a client refused by TLS fails only when it runs out. */
  commandTimeout?: string;
}

export type TlsProbe = { accepted: true } | { accepted: false; error: string };

export interface TrustOptions {
  /** Rolling-restart the members so they read the new bundle (default true; see the header comment). */
  restart?: boolean;
}

export interface EtcdCluster {
  /** Client URLs, one per member: https://127.0.0.1:<port>. */
  readonly endpoints: string[];
  /** The cluster CA: it signs the members' server/peer certificates and issueClientCertificate's. */
  readonly caPem: string;
  /** The CA certificate on disk, for clients' tls_ca_file / --cacert. */
  readonly caFile: string;
  /** The members' --trusted-ca-file: the cluster CA plus the certificates added by trustCertificate. */
  readonly truststoreFile: string;
  /** Temp directory holding certificates, data dirs and logs; removed by stop(). */
  readonly dir: string;
  /** `cluster.json`: the ClusterDescriptor a provider charm is configured with. */
  readonly descriptorFile: string;
  readonly root: KeyedCertificate;
  issueClientCertificate(commonName: string): Promise<KeyedCertificate>;
  identityFiles(identity: KeyedCertificate): IdentityFiles;
  /** etcd_client/v0 provider behaviour: user without password (CN auth), role `<user>-rw`, readwrite on the prefix. */
  addUserWithPrefix(user: string, prefix: string): Promise<void>;
  removeUser(user: string): Promise<void>;
  trustCertificate(pem: string, options?: TrustOptions): Promise<void>;
  untrustCertificate(pem: string, options?: TrustOptions): Promise<void>;
  /** Runs etcdctl (API v3) and returns its stdout; throws an Error carrying stderr when it fails. */
  etcdctl(args: string[], options?: EtcdctlOptions): Promise<string>;
  stopMember(index: number): Promise<void>;
  /** Starts a stopped member and waits until every running member reports healthy. */
  startMember(index: number): Promise<void>;
  restartMember(index: number): Promise<void>;
  /** Restarts the running members one at a time, waiting for all to be healthy after each. */
  rollingRestart(): Promise<void>;
  /** Per member: running, pid, and which truststore it loaded (what the control socket's `status` answers). */
  members(): MemberState[];
  /** Index of the member that is currently the raft leader, as the running members report it. */
  leader(): Promise<number>;
  /**
   * Whether a member's client port accepts a TLS client certificate. With TLS 1.3 the server checks
   * the client's certificate after the client has finished its handshake, so the probe sends the
   * HTTP/2 preface and waits for the server's first frame (accepted) or its alert (refused).
   */
  probeTls(identity: KeyedCertificate, index?: number): Promise<TlsProbe>;
  /** Per member: whether its /health endpoint answers `"health":"true"` (false when stopped or failing). */
  health(): Promise<boolean[]>;
  /** Waits until the given members (all by default) are healthy. */
  waitHealthy(indexes?: number[], timeoutMs?: number): Promise<void>;
  /** The tail of a member's log (etcd writes it to stderr). */
  logs(index: number): string;
  /** Kills every member and removes the temp dir; safe to call more than once. */
  stop(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const LOG_TAIL = 64 * 1024;
const HEALTH_TIMEOUT_MS = 30_000;

function newKeyPair(): { keyPem: string; privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  // Node's native generator: forge's pure-JS one takes seconds per 2048-bit key.
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return {
    keyPem,
    privateKey: forge.pki.privateKeyFromPem(keyPem),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString()) as forge.pki.rsa.PublicKey,
  };
}

function newCertificate(publicKey: forge.pki.rsa.PublicKey, commonName: string, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f; // positive
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = new Date(Date.now() - 5 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
  cert.setSubject([{ name: "commonName", value: commonName }]);
  return cert;
}

function createCa(commonName: string): KeyedCertificate {
  const keys = newKeyPair();
  const cert = newCertificate(keys.publicKey, commonName, 30);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/** A leaf signed by `ca` (or self-signed when `ca` is null); `server` adds serverAuth and 127.0.0.1/localhost SANs. */
function issueLeaf(ca: KeyedCertificate | null, commonName: string, server: boolean): KeyedCertificate {
  const keys = newKeyPair();
  const cert = newCertificate(keys.publicKey, commonName, 30);
  const extensions: object[] = [
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    // Members also use their certificate as a client: to each other on the peer port, and etcd's
    // gRPC gateway dials its own client port with it.
    { name: "extKeyUsage", serverAuth: server, clientAuth: true },
  ];
  if (server) {
    extensions.push({ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] });
  }
  cert.setExtensions(extensions);
  if (ca) {
    cert.setIssuer(forge.pki.certificateFromPem(ca.certPem).subject.attributes);
    cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  } else {
    cert.setIssuer(cert.subject.attributes);
    cert.sign(keys.privateKey, forge.md.sha256.create());
  }
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/**
 * A requirer's own client certificate, as an etcd_client/v0 requirer sends in `mtls-cert`: a
 * self-signed leaf (CA:false, clientAuth) that the provider must add to its truststore.
 */
export function selfSignedClientCertificate(commonName: string): KeyedCertificate {
  return issueLeaf(null, commonName, false);
}

/** Distinct free loopback ports: all listeners stay open until every port is chosen. */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(
        await new Promise<number>((resolvePort, reject) => {
          server.once("error", reject);
          server.listen(0, host, () => {
            const address = server.address();
            if (typeof address === "object" && address) resolvePort(address.port);
            else reject(new Error("no port"));
          });
        }),
      );
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise((r) => server.close(r))));
  }
}

function writePrivate(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600); // the mode option only applies when the file is created
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  pidFile: string;
  child: ChildProcess | null;
  log: string;
  truststoreSha256: string | null;
}

export async function startEtcdCluster(options: StartOptions): Promise<EtcdCluster> {
  const count = options.members ?? 3;
  const etcdBin = join(options.binDir, "etcd");
  const etcdctlBin = join(options.binDir, "etcdctl");
  for (const bin of [etcdBin, etcdctlBin]) if (!existsSync(bin)) throw new Error(`${bin} not found`);

  const dir = mkdtempSync(join(tmpdir(), "etcd-cluster-"));
  const pidDir = join(dir, "pids");
  mkdirSync(pidDir);
  mkdirSync(join(dir, "identities"), { mode: 0o700 });
  // Outlives a hard-killed test process: kills the members it leaves behind and removes the dir.
  const watchdog = spawn(
    "sh",
    [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do sleep 1; done; for f in "$2"/pids/*; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done; rm -rf "$2"',
      "etcd-watchdog",
      String(process.pid),
      dir,
    ],
    { detached: true, stdio: "ignore" },
  );
  watchdog.unref();

  const ca = createCa("etcd test cluster CA");
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.certPem, { mode: 0o644 });
  const truststoreFile = join(dir, "truststore.pem");
  writeTruststore(truststoreFile, [{ note: "the cluster CA: members, root and issueClientCertificate's clients", pem: ca.certPem }]);

  // One certificate for every member: the same identity on the client and the peer port.
  const server = issueLeaf(ca, "etcd-member", true);
  const serverCertFile = join(dir, "server.pem");
  const serverKeyFile = join(dir, "server.key");
  writeFileSync(serverCertFile, server.certPem, { mode: 0o644 });
  writePrivate(serverKeyFile, server.keyPem);

  const root = issueLeaf(ca, "root", false);
  const identityFiles = (identity: KeyedCertificate): IdentityFiles => {
    const id = createHash("sha256").update(identity.certPem).digest("hex").slice(0, 16);
    const certFile = join(dir, "identities", `${id}.pem`);
    const keyFile = join(dir, "identities", `${id}.key`);
    if (!existsSync(keyFile)) {
      writePrivate(keyFile, identity.keyPem);
      writeFileSync(certFile, identity.certPem, { mode: 0o644 });
    }
    return { certFile, keyFile };
  };

  const ports = await freePorts(2 * count);
  const members: Member[] = Array.from({ length: count }, (_, i) => ({
    name: `member${i}`,
    clientPort: ports[2 * i]!,
    peerPort: ports[2 * i + 1]!,
    dataDir: join(dir, `member${i}.etcd`),
    pidFile: join(pidDir, `member${i}`),
    child: null,
    log: "",
    truststoreSha256: null,
  }));
  const endpoints = members.map((m) => `https://127.0.0.1:${m.clientPort}`);
  const initialCluster = members.map((m) => `${m.name}=https://127.0.0.1:${m.peerPort}`).join(",");
  const clusterToken = `test-${randomBytes(6).toString("hex")}`;

  const memberAt = (index: number): Member => {
    const member = members[index];
    if (!member) throw new Error(`no member ${index} (cluster of ${count})`);
    return member;
  };

  const launch = (index: number): void => {
    const m = memberAt(index);
    if (m.child) throw new Error(`${m.name} is already running`);
    const args = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=https://127.0.0.1:${m.clientPort}`,
      `--advertise-client-urls=https://127.0.0.1:${m.clientPort}`,
      `--listen-peer-urls=https://127.0.0.1:${m.peerPort}`,
      `--initial-advertise-peer-urls=https://127.0.0.1:${m.peerPort}`,
      `--initial-cluster=${initialCluster}`,
      // Ignored once the data dir exists, so restarts rejoin the same cluster.
      "--initial-cluster-state=new",
      `--initial-cluster-token=${clusterToken}`,
      `--cert-file=${serverCertFile}`,
      `--key-file=${serverKeyFile}`,
      `--trusted-ca-file=${truststoreFile}`,
      "--client-cert-auth",
      `--peer-cert-file=${serverCertFile}`,
      `--peer-key-file=${serverKeyFile}`,
      `--peer-trusted-ca-file=${caFile}`,
      "--peer-client-cert-auth",
      "--logger=zap",
      "--log-outputs=stderr",
    ];
    m.truststoreSha256 = sha256(readFileSync(truststoreFile, "utf8"));
    const child = spawn(etcdBin, args, { stdio: ["ignore", "ignore", "pipe"] });
    m.child = child;
    if (child.pid) writeFileSync(m.pidFile, String(child.pid));
    child.stderr?.on("data", (chunk: Buffer) => {
      m.log = (m.log + chunk.toString()).slice(-LOG_TAIL);
    });
    child.once("exit", () => {
      if (m.child === child) m.child = null;
      rmSync(m.pidFile, { force: true });
    });
  };

  const halt = async (m: Member, signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    const child = m.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      m.child = null;
      return;
    }
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    m.child = null;
  };

  const memberHealthy = (m: Member): Promise<boolean> => {
    if (!m.child) return Promise.resolve(false);
    return new Promise((resolveHealth) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: m.clientPort,
          path: "/health",
          method: "GET",
          ca: ca.certPem,
          cert: root.certPem,
          key: root.keyPem,
          agent: false,
          timeout: 3000,
        },
        (res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolveHealth(res.statusCode === 200 && /"health":\s*"true"/.test(body)));
          res.on("error", () => resolveHealth(false));
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => resolveHealth(false));
      req.end();
    });
  };

  const health = () => Promise.all(members.map(memberHealthy));

  const waitHealthy = async (indexes = members.map((_, i) => i), timeoutMs = HEALTH_TIMEOUT_MS): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(indexes.map((i) => memberHealthy(memberAt(i))));
      if (states.every(Boolean)) return;
      for (const i of indexes) {
        if (!memberAt(i).child) throw new Error(`${memberAt(i).name} is not running:\n${memberAt(i).log.slice(-3000)}`);
      }
      if (Date.now() > deadline) {
        const bad = indexes.filter((_, k) => !states[k]).map((i) => `${memberAt(i).name}:\n${memberAt(i).log.slice(-2000)}`);
        throw new Error(`etcd members not healthy after ${timeoutMs} ms: ${bad.join("\n")}`);
      }
      await sleep(200);
    }
  };

  const probeTls = (identity: KeyedCertificate, index = 0): Promise<TlsProbe> =>
    new Promise((resolveProbe) => {
      const socket = tlsConnect({
        host: "127.0.0.1",
        port: memberAt(index).clientPort,
        servername: "localhost",
        ca: ca.certPem,
        cert: identity.certPem,
        key: identity.keyPem,
        ALPNProtocols: ["h2"],
      });
      const done = (result: TlsProbe) => {
        clearTimeout(timer);
        socket.destroy();
        resolveProbe(result);
      };
      const timer = setTimeout(() => done({ accepted: false, error: "no answer within 5 s" }), 5000);
      socket.once("secureConnect", () => socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
      socket.once("data", () => done({ accepted: true }));
      socket.once("error", (error: NodeJS.ErrnoException) => done({ accepted: false, error: `${error.code ?? ""} ${error.message}`.trim() }));
      socket.once("close", () => done({ accepted: false, error: "connection closed" }));
    });

  const running = () => members.flatMap((m, i) => (m.child ? [i] : []));

  const etcdctl = (args: string[], opts: EtcdctlOptions = {}): Promise<string> => {
    const files = identityFiles(opts.identity ?? root);
    const fullArgs = [
      `--endpoints=${(opts.endpoints ?? endpoints).join(",")}`,
      `--cacert=${caFile}`,
      `--cert=${files.certFile}`,
      `--key=${files.keyFile}`,
      "--dial-timeout=3s",
      `--command-timeout=${opts.commandTimeout ?? "8s"}`,
      ...args,
    ];
    return new Promise((resolveOut, reject) => {
      execFile(etcdctlBin, fullArgs, { env: { ...process.env, ETCDCTL_API: "3" }, timeout: 30_000, encoding: "utf8" }, (error, stdout, stderr) => {
        if (error) reject(new Error(`etcdctl ${args.join(" ")}: ${stderr.trim() || error.message}`));
        else resolveOut(stdout);
      });
    });
  };

  const rollingRestart = async (): Promise<void> => {
    for (const i of running()) {
      await halt(memberAt(i));
      launch(i);
      await waitHealthy(running());
    }
  };

  // One rolling restart at a time, whoever asks (a test, or a charm through the control socket).
  let restarting: Promise<void> = Promise.resolve();
  const serializedRollingRestart = (): Promise<void> => (restarting = restarting.catch(() => undefined).then(rollingRestart));

  /** `change` edits the file's entries in place and says whether it changed anything. */
  const updateTrust = async (change: (entries: TrustEntry[]) => boolean, opts: TrustOptions = {}): Promise<void> => {
    const entries = readTruststore(truststoreFile);
    if (!change(entries)) return;
    writeTruststore(truststoreFile, entries);
    if (opts.restart ?? true) await serializedRollingRestart();
  };

  const memberStates = (): MemberState[] =>
    members.map((m) => ({ name: m.name, running: m.child !== null, pid: m.child?.pid ?? null, truststoreSha256: m.truststoreSha256 }));

  const descriptorFile = join(dir, "cluster.json");
  const controlSocket = join(dir, "control.sock");
  const descriptor: ClusterDescriptor = {
    endpoints,
    caFile,
    truststoreFile,
    etcdctl: etcdctlBin,
    root: identityFiles(root),
    control: controlSocket,
  };
  writeFileSync(descriptorFile, `${JSON.stringify(descriptor, null, 2)}\n`, { mode: 0o644 });
  const control = await serveControl(controlSocket, async (request) => {
    if (request.op === "rolling-restart") await serializedRollingRestart();
    return memberStates();
  });

  let stopped = false;
  const killAllNow = () => {
    for (const m of members) m.child?.kill("SIGKILL");
    control.close();
    try {
      watchdog.kill("SIGKILL");
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", killAllNow);

  const cluster: EtcdCluster = {
    endpoints,
    caPem: ca.certPem,
    caFile,
    truststoreFile,
    dir,
    descriptorFile,
    root,
    async issueClientCertificate(commonName) {
      return issueLeaf(ca, commonName, false);
    },
    identityFiles,
    async addUserWithPrefix(user, prefix) {
      const role = `${user}-rw`;
      await etcdctl(["user", "add", user, "--no-password"]);
      await etcdctl(["role", "add", role]);
      await etcdctl(["role", "grant-permission", role, "--prefix=true", "readwrite", prefix]);
      await etcdctl(["user", "grant-role", user, role]);
    },
    async removeUser(user) {
      await etcdctl(["user", "delete", user]);
      await etcdctl(["role", "delete", `${user}-rw`]);
    },
    trustCertificate(pem, opts) {
      return updateTrust((entries) => {
        if (entries.some((e) => samePem(e.pem, pem))) return false;
        entries.push({ note: "trusted by the test", pem: pem.trim() });
        return true;
      }, opts);
    },
    untrustCertificate(pem, opts) {
      return updateTrust((entries) => {
        const index = entries.findIndex((e, i) => i > 0 && samePem(e.pem, pem));
        if (index < 0) return false;
        entries.splice(index, 1);
        return true;
      }, opts);
    },
    etcdctl,
    async stopMember(index) {
      await halt(memberAt(index));
    },
    async startMember(index) {
      launch(index);
      await waitHealthy(running());
    },
    async restartMember(index) {
      await halt(memberAt(index));
      launch(index);
      await waitHealthy(running());
    },
    rollingRestart: serializedRollingRestart,
    members: memberStates,
    async leader() {
      // `-w simple`: endpoint, member ID, version, DB size, is leader, is learner, term, index, applied, errors.
      const up = running();
      const out = await etcdctl(["endpoint", "status", "-w", "simple"], { endpoints: up.map((i) => endpoints[i]!) });
      for (const line of out.split("\n")) {
        const fields = line.split(", ");
        if (fields[4] === "true") return endpoints.indexOf(fields[0]!);
      }
      throw new Error(`no leader in:\n${out}`);
    },
    probeTls,
    health,
    waitHealthy,
    logs: (index) => memberAt(index).log,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", killAllNow);
      // SIGKILL: a graceful stop of the whole cluster waits for leadership transfers (~7 s) and the
      // data is thrown away anyway.
      await Promise.all(members.map((m) => halt(m, "SIGKILL")));
      killAllNow();
    },
  };

  try {
    for (let i = 0; i < count; i++) launch(i);
    await waitHealthy();
    // RBAC: root (authenticated by its certificate's CN; the password is never used) must exist
    // with the root role before `auth enable`.
    await etcdctl(["user", "add", "root", `--new-user-password=${randomBytes(18).toString("base64url")}`]);
    await etcdctl(["user", "grant-role", "root", "root"]);
    await etcdctl(["auth", "enable"]);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

