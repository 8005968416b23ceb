// Real Vault and OpenBao servers for tests: non-dev mode, file storage in a temp dir, one loopback
// listener. Each test file starts its own and stops it when done.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VaultClient } from "../../src/vault/client.js";
import { sealStatus } from "../../src/vault/sys.js";

export interface Implementation {
  name: "vault" | "openbao";
  bin: string | undefined;
}

/** The matrix every integration suite runs over; a missing binary skips that implementation visibly. */
export function implementations(): Implementation[] {
  return [
    { name: "vault", bin: process.env.VAULT_BIN },
    { name: "openbao", bin: process.env.BAO_BIN },
  ];
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface RunningServer {
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export interface ServerTls {
  certPem: string;
  keyPem: string;
  /** The CA that signed certPem, to check readiness over TLS. */
  caPem: string;
}

/** In-memory storage: both implementations have it (OpenBao 2 dropped `file`), and tests need no persistence. */
/** `extraConfig`: more HCL for the server's config (e.g. an OpenBao declarative audit device). */
export async function startServer(impl: Implementation, host = "127.0.0.1", tls?: ServerTls, extraConfig = ""): Promise<RunningServer> {
  const bin = impl.bin;
  if (!bin) throw new Error(`${impl.name} is not installed`);
  const dir = mkdtempSync(join(tmpdir(), "vault-test-"));
  const port = await freePort(host);
  const clusterPort = await freePort(host);
  const config = join(dir, "server.hcl");
  if (tls) {
    writeFileSync(join(dir, "tls.crt"), tls.certPem, { mode: 0o600 });
    writeFileSync(join(dir, "tls.key"), tls.keyPem, { mode: 0o600 });
  }
  const listenerTls = tls ? `tls_cert_file = "${join(dir, "tls.crt")}"\n  tls_key_file = "${join(dir, "tls.key")}"` : "tls_disable = true";
  const scheme = tls ? "https" : "http";
  writeFileSync(
    config,
    [
      // OpenBao 2 removed mlock support and warns about the option.
      impl.name === "vault" ? "disable_mlock = true" : "",
      `api_addr = "${scheme}://${host}:${port}"`,
      `cluster_addr = "https://${host}:${clusterPort}"`,
      'storage "inmem" {}',
      `listener "tcp" {\n  address = "${host}:${port}"\n  cluster_address = "${host}:${clusterPort}"\n  ${listenerTls}\n}`,
      extraConfig,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(bin, ["server", `-config=${config}`], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()).slice(-4000));
  const url = `${scheme}://${host}:${port}`;
  const probe = new VaultClient({ url, ...(tls ? { caPem: tls.caPem } : {}), timeoutMs: 2000 });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${bin} exited ${child.exitCode}: ${stderr}`);
    try {
      await sealStatus(probe);
      break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${bin} did not answer within 20s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
