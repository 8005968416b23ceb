// External-Vault mode with AppRole pull authentication (issue 18), against a second real server
// over TLS. The operator's setup is exactly what `vault-charm policy --runner-role` prints, run with
// the server's own CLI. The charm reaches that Vault through an intercepting TLS proxy (a certificate
// from the CA it trusts), which passes traffic through untouched until a test arms it to steal or
// replace the next wrapping token.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { VaultClient, type JsonObject } from "../../src/vault/client.js";
import { VaultRequestError } from "../../src/vault/errors.js";
import { kv2 } from "../../src/vault/kv.js";
import { issueServerCertificate } from "../../src/vault/tls.js";
import { Sim } from "../sim/controller.js";
import { projectRoot } from "../sim/paths.js";
import { startExternalVault, tokenTtl, type External } from "./external-server.js";
import { startInterceptingProxy, type InterceptingProxy } from "./intercepting-proxy.js";
import { filesUnder, secretCarriers } from "./leaks.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const RUNNER = "vault-charm-runner";
const WORKER = "vault-charm-worker";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the printed setup script as an operator would, with the server's own CLI standing in for `vault`. */
function runSetupScript(bin: string, external: External, script: string): void {
  const dir = mkdtempSync(join(tmpdir(), "pull-setup-"));
  writeFileSync(join(dir, "ca.pem"), external.caPem);
  writeFileSync(join(dir, "setup.sh"), `set -euo pipefail\nvault() { "$SERVER_CLI" "$@"; }\n${script}`);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, SERVER_CLI: bin };
  const server = { ADDR: external.server.url, TOKEN: external.rootToken, CACERT: join(dir, "ca.pem") };
  for (const [k, v] of Object.entries(server)) Object.assign(env, { [`VAULT_${k}`]: v, [`BAO_${k}`]: v });
  execFileSync("bash", [join(dir, "setup.sh")], { env, stdio: "pipe" });
}

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`external-Vault pull authentication on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let external: External;
    let proxy: InterceptingProxy;
    let sim: Sim;
    let workerSecretId: string;
    let workerRoleId: string;
    const handled: string[] = [];
    const status = () => sim.unit("vault/0").status;
    const charmLog = () => readFileSync(join(sim.paths.logs, "vault-0.log"), "utf8");
    const pulls = () => [...charmLog().matchAll(/pulled a runner token from the external Vault \(runner token accessor ([^,]+),/g)].map((m) => m[1]!);
    const revokedWorkers = () => [...charmLog().matchAll(/revoked the worker's token \(accessor ([^)]+)\) after the pull/g)].map((m) => m[1]!);
    const interceptionsLogged = () => [...charmLog().matchAll(/possible interception: the wrapping token for the runner's secret-id ([^;]+);/g)].map((m) => m[1]!);
    /** Ends the runner token the charm holds, so its next hook must pull. */
    const expireRunnerToken = async () => {
      await external.root.request("POST", "auth/token/revoke-accessor", { body: { accessor: pulls().at(-1)! } });
    };

    beforeAll(async () => {
      external = await startExternalVault(impl);
      handled.push(external.rootToken);
      const proxyCert = await issueServerCertificate(external.ca, { commonName: "127.0.0.1", ipAddresses: ["127.0.0.1"], dnsNames: [] });
      proxy = await startInterceptingProxy(proxyCert, { url: external.server.url, caPem: external.caPem, attackerToken: external.rootToken });
      sim = await Sim.open(mkdtempSync(join(tmpdir(), "external-pull-")), { vaultBinary: impl.bin! });
    }, 120_000);
    afterAll(async () => {
      await sim?.destroy();
      await proxy?.close();
      await external?.server.stop();
    });

    it("is set up with exactly what `vault-charm policy --runner-role` prints, and brokers vault-kv as the runner", async () => {
      const script = execFileSync(process.execPath, [join(projectRoot(), "dist", "cli.mjs"), "policy", "--runner-role", RUNNER, "--cidr", "127.0.0.1/32"], { encoding: "utf8" });
      expect(script).toContain("min_wrapping_ttl");
      runSetupScript(impl.bin!, external, script);
      const runnerRoleId = await approle.readRoleId(external.root, "approle", RUNNER);
      workerRoleId = await approle.readRoleId(external.root, "approle", WORKER);
      workerSecretId = (await approle.generateSecretId(external.root, "approle", WORKER)).secretId;
      handled.push(workerSecretId);

      const uri = sim.addSecret("vault-auth", { "worker-role-id": workerRoleId, "worker-secret-id": workerSecretId, "runner-role": RUNNER, "runner-role-id": runnerRoleId });
      await sim.deploy(projectRoot(), { app: "vault", config: { "vault-url": proxy.url, "vault-ca-certificate": external.caPem } });
      sim.grantSecret("vault-auth", "vault");
      await sim.setConfig("vault", { "vault-auth": uri });
      expect(sim.unit("vault/0").errorHook).toBeNull();
      expect(status()).toMatchObject({ status: "active", message: `External Vault ${proxy.url} (brokering vault-kv)` });
      expect(pulls()).toHaveLength(1);
      expect(charmLog()).not.toMatch(/over-privileged/);

      await sim.deploy(CONSUMER, { app: "kv-consumer" });
      await sim.integrate("vault:vault-kv", "kv-consumer:vault");
      expect(sim.unit("kv-consumer/0").status.message, charmLog().slice(-3000)).toBe("Vault KV round trip ok: charm-kv-consumer-demo/kv-consumer-0/heartbeat");
      expect(String((await kv2.read(external.root, "charm-kv-consumer-demo", "kv-consumer-0/heartbeat"))?.data?.value)).toMatch(/^kv-consumer\/0 at /);

      const put = await sim.runAction("vault/0", "kv-put", { path: "vault.secret(external:charm-kv-consumer-demo/ops/db.password)", data: "pull-pw-8c2f61" });
      expect(put.status, put.message).toBe("completed");
      handled.push("pull-pw-8c2f61");
      const get = await sim.runAction("vault/0", "kv-get", { path: "vault.secret(external:charm-kv-consumer-demo/ops/db.password)" });
      expect(get.status, get.message).toBe("completed");
      expect(get.results.value).toBe("pull-pw-8c2f61");
      // The charm's token is the runner's: its policy is the runner policy, nothing of the worker's.
      const runner = await external.root.request("POST", "auth/token/lookup-accessor", { body: { accessor: pulls().at(-1)! } });
      expect((runner.data as JsonObject).policies).toEqual(["default", RUNNER]);
    }, 120_000);

    it("the worker's credentials alone read nothing, and its token is revoked after each pull", async () => {
      const worker = await approle.login(external.root.withToken(undefined), "approle", workerRoleId, workerSecretId);
      handled.push(worker.token);
      const asWorker = external.root.withToken(worker.token);
      await expect(kv2.read(asWorker, "charm-kv-consumer-demo", "ops/db")).rejects.toMatchObject({ status: 403 });
      await expect(asWorker.request("GET", "sys/mounts")).rejects.toMatchObject({ status: 403 });
      await expect(asWorker.request("LIST", "auth/approle/role")).rejects.toMatchObject({ status: 403 });
      await expect(asWorker.request("GET", `auth/approle/role/${RUNNER}/role-id`)).rejects.toMatchObject({ status: 403 });
      // Not even a bare secret-id for the runner: only a response-wrapped one.
      await expect(approle.generateSecretId(asWorker, "approle", RUNNER)).rejects.toBeInstanceOf(VaultRequestError);
      await external.root.request("POST", "auth/token/revoke-accessor", { body: { accessor: worker.accessor } });

      // Every pull so far revoked its worker token; Vault knows none of them any more.
      const revoked = revokedWorkers();
      expect(revoked.length).toBe(pulls().length);
      for (const accessor of revoked) expect(await tokenTtl(external.root, accessor)).toBeNull();
      const live = (await external.root.request("LIST", "auth/token/accessors")).data as JsonObject;
      const policiesOf = async (accessor: string) => ((await external.root.request("POST", "auth/token/lookup-accessor", { body: { accessor } })).data as JsonObject).policies as string[];
      const workerTokens = [];
      for (const accessor of live.keys as string[]) if ((await policiesOf(accessor)).includes(WORKER)) workerTokens.push(accessor);
      expect(workerTokens).toEqual([]);
    });

    it("refuses a wrapping token someone else unwrapped first, logs it, pulls again; the stolen secret-id is useless elsewhere", async () => {
      const before = pulls().length;
      proxy.arm("unwrap");
      await expireRunnerToken();
      await sim.runHook("vault/0", "update-status");
      expect(sim.unit("vault/0").errorHook).toBeNull();
      expect(status().status).toBe("active");
      expect(proxy.interceptions).toHaveLength(1);
      expect(interceptionsLogged()).toEqual(["was already unwrapped (or expired) before the charm could unwrap it"]);
      expect(pulls()).toHaveLength(before + 1);
      expect(revokedWorkers()).toHaveLength(pulls().length + 1); // one pull was refused, its worker token revoked too

      // The attacker holds a live secret-id of the runner, but the runner role binds 127.0.0.1/32.
      const stolen = proxy.interceptions[0]!.secretId!;
      handled.push(stolen);
      const runnerRoleId = await approle.readRoleId(external.root, "approle", RUNNER);
      const elsewhere = new VaultClient({ url: external.server.url, caPem: external.caPem, localAddress: "127.0.0.2" });
      await expect(approle.login(elsewhere, "approle", runnerRoleId, stolen)).rejects.toBeInstanceOf(VaultRequestError);

      const get = await sim.runAction("vault/0", "kv-get", { path: "charm-kv-consumer-demo/ops/db", key: "password" });
      expect(get.results.value).toBe("pull-pw-8c2f61");
    });

    it("refuses a wrapping token created for another path, without unwrapping it", async () => {
      const before = pulls().length;
      proxy.arm("substitute");
      await expireRunnerToken();
      await sim.runHook("vault/0", "update-status");
      expect(sim.unit("vault/0").errorHook).toBeNull();
      expect(status().status).toBe("active");
      expect(interceptionsLogged().at(-1)).toBe("was created for sys/wrapping/wrap, not for the runner role's secret-id");
      expect(pulls()).toHaveLength(before + 1);
    });

    it("blocks after three tampered pulls in a row, and recovers by itself at the next hook", async () => {
      proxy.arm("unwrap", 3);
      await expireRunnerToken();
      const before = pulls().length;
      await sim.runHook("vault/0", "update-status");
      expect(sim.unit("vault/0").errorHook).toBeNull();
      expect(status()).toMatchObject({
        status: "blocked",
        message: "External Vault: 3 wrapped secret-ids in a row were unwrapped or replaced by someone else (possible interception): see juju debug-log",
      });
      expect(pulls()).toHaveLength(before);
      for (const { secretId } of proxy.interceptions) if (secretId) handled.push(secretId);
      await sim.runHook("vault/0", "update-status");
      expect(status().status).toBe("active");
      expect(pulls()).toHaveLength(before + 1);
    });

    it("pulls again when the runner token expires, with no hook failure", async () => {
      await external.root.request("POST", `auth/approle/role/${RUNNER}`, { body: { token_ttl: "6s", token_max_ttl: "6s" } });
      await expireRunnerToken();
      await sim.runHook("vault/0", "update-status");
      const short = pulls().at(-1)!;
      expect(await tokenTtl(external.root, short)).toBeLessThanOrEqual(6);
      await sleep(8000);
      expect(await tokenTtl(external.root, short)).toBeNull();
      const before = pulls().length;
      await sim.runHook("vault/0", "update-status");
      expect(sim.unit("vault/0").errorHook).toBeNull();
      expect(status().status).toBe("active");
      expect(pulls()).toHaveLength(before + 1);
      const get = await sim.runAction("vault/0", "kv-get", { path: "charm-kv-consumer-demo/ops/db", key: "password" });
      expect(get.results.value).toBe("pull-pw-8c2f61");
      expect(sim.unit("kv-consumer/0").errorHook).toBeNull();
      await external.root.request("POST", `auth/approle/role/${RUNNER}`, { body: { token_ttl: "1h", token_max_ttl: "24h" } });
    }, 60_000);

    it("pulls again before the runner token reaches its maximum TTL, and revokes the old one", async () => {
      await external.root.request("POST", `auth/approle/role/${RUNNER}`, { body: { token_ttl: "40s", token_max_ttl: "40s" } });
      await expireRunnerToken();
      await sim.runHook("vault/0", "update-status");
      const capped = pulls().at(-1)!;
      await sleep(22_000); // past half its life, with more than the 15 s the charm needs to reuse it
      await sim.runHook("vault/0", "update-status");
      expect(sim.unit("vault/0").errorHook).toBeNull();
      expect(status().status).toBe("active");
      expect(charmLog()).toContain(`the external Vault runner token (accessor ${capped}) cannot be renewed past half its life: logging in afresh`);
      expect(pulls().at(-1)).not.toBe(capped);
      expect(await tokenTtl(external.root, capped)).toBeNull();
      await external.root.request("POST", `auth/approle/role/${RUNNER}`, { body: { token_ttl: "1h", token_max_ttl: "24h" } });
    }, 60_000);

    it("warns about an over-privileged worker, and blocks naming the field for bad vault-auth content", async () => {
      await external.root.request("POST", `auth/approle/role/${WORKER}`, { body: { token_policies: [WORKER, RUNNER] } });
      await expireRunnerToken();
      await sim.runHook("vault/0", "update-status");
      expect(status().status).toBe("active");
      expect(charmLog()).toMatch(/the vault-auth worker is over-privileged: .* but has .*on sys\/mounts/);
      // A worker that may not fetch the runner's secret-id at all: blocked, naming where to look.
      await external.root.request("POST", `auth/approle/role/${WORKER}`, { body: { token_policies: ["default"] } });
      await expireRunnerToken();
      await sim.runHook("vault/0", "update-status");
      expect(sim.unit("vault/0").errorHook).toBeNull();
      expect(status().status).toBe("blocked");
      expect(status().message).toMatch(/^External Vault refused the worker's request for a wrapped secret-id of runner-role \(permission denied\): see vault-charm policy --runner-role$/);
      await external.root.request("POST", `auth/approle/role/${WORKER}`, { body: { token_policies: [WORKER] } });
      await sim.runHook("vault/0", "update-status");
      expect(status().status).toBe("active");

      const runnerRoleId = await approle.readRoleId(external.root, "approle", RUNNER);
      const good = { "worker-role-id": workerRoleId, "worker-secret-id": workerSecretId, "runner-role": RUNNER, "runner-role-id": runnerRoleId };
      const { "runner-role-id": _omitted, ...missing } = good;
      await sim.updateSecret("vault-auth", missing);
      expect(status()).toMatchObject({ status: "blocked", message: "External Vault: the vault-auth secret lacks field(s) runner-role-id (pull authentication needs worker-role-id, worker-secret-id, runner-role, runner-role-id)" });
      const wrongSecret = "11111111-2222-3333-4444-555555555555";
      handled.push(wrongSecret);
      const held = pulls().at(-1)!;
      await sim.updateSecret("vault-auth", { ...good, "worker-secret-id": wrongSecret });
      // New credentials: the runner token the old ones made is revoked, not left to expire.
      expect(await tokenTtl(external.root, held)).toBeNull();
      expect(status().status).toBe("blocked");
      // One line, Vault's reason without Go's "1 error occurred: *" wrapping.
      expect(status().message).toMatch(/^External Vault refused the vault-auth worker AppRole \([^\n*]+\): put a valid worker-role-id and worker-secret-id in the secret$/);
      await sim.updateSecret("vault-auth", good);
      expect(status().status).toBe("active");
      expect(sim.unit("vault/0").errorHook).toBeNull();
    });

    it("keeps every worker token, wrapping token, secret-id and runner token out of logs and hook-tool arguments", () => {
      // Everything secret that crossed the proxy from the charm (the consumer's own traffic aside).
      const fromCharm = [...(proxy.seen.get("127.0.0.1") ?? [])];
      const runnerTokens = new Set<string>();
      const cache = filesUnder(sim.unit("vault/0").dataDir).find((f) => f.endsWith("external-login.json"))!;
      runnerTokens.add(String((JSON.parse(readFileSync(cache, "utf8")) as { token: string }).token));
      expect(fromCharm.length).toBeGreaterThan(pulls().length * 3);
      const carriers = secretCarriers(sim, [...handled, ...fromCharm.filter((s) => !runnerTokens.has(s))]);
      expect(carriers.scannedFiles).toBeGreaterThanOrEqual(2);
      expect(carriers.files).toEqual([]);
      expect(carriers.toolCalls.sort()).toEqual(["action kv-get:action-set"]);
      // The current runner token sits only in the charm's 0600 cache, never a log.
      expect(secretCarriers(sim, [...runnerTokens]).files).toEqual([cache]);
      expect(statSync(cache).mode & 0o777).toBe(0o600);
      console.log(
        `[pull authentication on ${impl.name}] pulls ${pulls().length}, worker tokens revoked ${revokedWorkers().length}, ` +
          `tampered wrapping tokens refused ${interceptionsLogged().length}, secrets scanned ${handled.length + fromCharm.length} in ${carriers.scannedFiles} files and ${sim.runs.length} hook runs`,
      );
    });
  });
}
