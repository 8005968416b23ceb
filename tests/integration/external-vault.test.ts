// External-Vault mode against two real servers: a second Vault, started here over TLS, plays the
// organisation's existing Vault; the charm installs nothing, authenticates with the operator's
// vault-auth secret, keeps its token alive and brokers vault-kv against it.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { VaultClient } from "../../src/vault/client.js";
import { kv2 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { Sim } from "../sim/controller.js";
import { projectRoot } from "../sim/paths.js";
import { filesUnder, secretCarriers } from "./leaks.js";
import { createToken, startExternalVault, tokenTtl, type External } from "./external-server.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`external-Vault mode on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let external: External;
    let sim: Sim;
    let firstToken: { token: string; accessor: string };
    const handled: string[] = [];
    const status = () => sim.unit("vault/0").status;
    const charmLog = () => readFileSync(join(sim.paths.logs, "vault-0.log"), "utf8");

    beforeAll(async () => {
      external = await startExternalVault(impl);
      handled.push(external.rootToken);
      sim = await Sim.open(mkdtempSync(join(tmpdir(), "external-vault-")), { vaultBinary: impl.bin! });
    }, 120_000);
    afterAll(async () => {
      await sim?.destroy();
      await external?.server.stop();
    });

    it("installs no local Vault and says what it needs", async () => {
      await sim.deploy(projectRoot(), { app: "vault", config: { "vault-url": external.server.url, "vault-ca-certificate": external.caPem } });
      expect(sim.unit("vault/0").errorHook).toBeNull();
      expect(status()).toMatchObject({ status: "blocked", message: "External Vault: set vault-auth to a secret holding a token, or role-id and secret-id" });
      const root = sim.unit("vault/0").dataDir;
      expect(existsSync(join(root, "var/snap/vault"))).toBe(false);
      expect(existsSync(join(root, "shim-calls.log"))).toBe(false);
    });

    it("authenticates with a token from vault-auth and brokers vault-kv against the external Vault", async () => {
      firstToken = await createToken(external.root, ["vault-charm"], "20s");
      handled.push(firstToken.token);
      const uri = sim.addSecret("vault-auth", { token: firstToken.token });
      sim.grantSecret("vault-auth", "vault");
      await sim.setConfig("vault", { "vault-auth": uri });
      expect(status()).toMatchObject({ status: "active", message: `External Vault ${external.server.url} (brokering vault-kv)` });

      await sim.deploy(CONSUMER, { app: "kv-consumer" });
      await sim.integrate("vault:vault-kv", "kv-consumer:vault");
      expect(sim.unit("kv-consumer/0").status.message).toBe("Vault KV round trip ok: charm-kv-consumer-demo/kv-consumer-0/heartbeat");
      const stored = await kv2.read(external.root, "charm-kv-consumer-demo", "kv-consumer-0/heartbeat");
      expect(String(stored?.data?.value)).toMatch(/^kv-consumer\/0 at /);
      const rel = sim.model.relations.find((r) => r.ends.some((e) => e.app === "kv-consumer"))!;
      expect(rel.appData.vault?.vault_url).toBe(external.server.url);
      // forge writes PEM with CRLF; the charm hands the certificate on as configured, modulo line ends.
      expect(rel.appData.vault?.ca_certificate?.replace(/\r/g, "")).toBe(external.caPem.replace(/\r/g, ""));
    });

    it("runs KV actions and generate-secret-id on the external Vault, and refuses local-only actions", async () => {
      const put = await sim.runAction("vault/0", "kv-put", { path: "vault.secret(external:charm-kv-consumer-demo/ops/db.password)", data: "ext-pw-5d1e8a" });
      expect(put.status, put.message).toBe("completed");
      handled.push("ext-pw-5d1e8a");
      expect((await kv2.read(external.root, "charm-kv-consumer-demo", "ops/db"))?.data).toEqual({ password: "ext-pw-5d1e8a" });
      const local = await sim.runAction("vault/0", "kv-get", { path: "vault.secret(local:charm-kv-consumer-demo/ops/db.password)" });
      expect(local.message).toMatch(/this charm uses an external Vault/);
      const init = await sim.runAction("vault/0", "initialize", {});
      expect(init).toMatchObject({ status: "failed" });
      expect(init.message).toMatch(/external Vault at https:\/\/127\.0\.0\.1/);

      const role = "charm-kv-consumer-demo-kv-consumer-0";
      const outside = await sim.runAction("vault/0", "generate-secret-id", { role, cidr: "127.0.0.1/32" });
      expect(outside).toMatchObject({ status: "failed" });
      expect(outside.message).toMatch(/^cidr 127\.0\.0\.1\/32 is outside the role's bound CIDRs/);
      const consumerCidr = `${sim.unit("kv-consumer/0").address}/32`;
      const generated = await sim.runAction("vault/0", "generate-secret-id", { role, cidr: consumerCidr });
      expect(generated.status, `${generated.message}\n${charmLog().slice(-1500)}`).toBe("completed");
      const wrapping = String(generated.results["wrapping-token"]);
      handled.push(wrapping);
      const unwrapped = await sys.unwrap(external.root.withToken(undefined), wrapping);
      const roleId = await approle.readRoleId(external.root, "approle", role);
      const fromConsumer = new VaultClient({ url: external.server.url, caPem: external.caPem, localAddress: sim.unit("kv-consumer/0").address });
      const session = await approle.login(fromConsumer, "approle", roleId, String(unwrapped.secret_id));
      expect(session.policies).toContain(role);
    });

    it("renews a short-TTL token across hooks, so it outlives its first TTL", async () => {
      // 20 s token; a hook every 5 s for 30 s renews it past half its life.
      for (let i = 0; i < 6; i++) {
        await sleep(5000);
        await sim.runHook("vault/0", "update-status");
        expect(status().status).toBe("active");
      }
      expect(await tokenTtl(external.root, firstToken.accessor)).toBeGreaterThan(0);
      expect(charmLog()).toMatch(new RegExp(`renewed the vault-auth token \\(accessor ${firstToken.accessor}\\)`));
    }, 60_000);

    it("logs in again with an AppRole pair once the token it got has expired", async () => {
      await external.root.request("POST", "auth/approle/role/ext-charm", { body: { token_policies: ["vault-charm"], token_ttl: "6s", token_max_ttl: "6s" } });
      const roleId = await approle.readRoleId(external.root, "approle", "ext-charm");
      const { secretId } = await approle.generateSecretId(external.root, "approle", "ext-charm");
      handled.push(secretId);
      await sim.updateSecret("vault-auth", { "role-id": roleId, "secret-id": secretId });
      const logins = () => [...charmLog().matchAll(/logged in to the external Vault with the vault-auth AppRole \(token accessor ([^,]+),/g)].map((m) => m[1]!);
      expect(logins()).toHaveLength(1);
      expect(status().status).toBe("active");
      await sleep(8000);
      expect(await tokenTtl(external.root, logins()[0]!)).toBeNull();
      await sim.runHook("vault/0", "update-status");
      expect(logins()).toHaveLength(2);
      expect(new Set(logins()).size).toBe(2);
      expect(status()).toMatchObject({ status: "active" });
      const get = await sim.runAction("vault/0", "kv-get", { path: "charm-kv-consumer-demo/ops/db", key: "password" });
      expect(get.results.value).toBe("ext-pw-5d1e8a");
    }, 60_000);

    it("blocks naming the problem when the credential is revoked or lacks permissions", async () => {
      const revoked = await createToken(external.root, ["vault-charm"], "1h");
      handled.push(revoked.token);
      await sim.updateSecret("vault-auth", { token: revoked.token });
      expect(status().status).toBe("active");
      await external.root.request("POST", "auth/token/revoke-accessor", { body: { accessor: revoked.accessor } });
      await sim.runHook("vault/0", "update-status");
      expect(status()).toMatchObject({ status: "blocked", message: "External Vault refused the vault-auth token (expired or revoked): put a valid token in the secret" });

      await sys.putPolicy(external.root, "half-charm", 'path "charm-*" { capabilities = ["read"] }\npath "sys/mounts" { capabilities = ["read"] }\n');
      const weak = await createToken(external.root, ["half-charm"], "1h");
      handled.push(weak.token);
      await sim.updateSecret("vault-auth", { token: weak.token });
      expect(status().status).toBe("blocked");
      expect(status().message).toMatch(/^External Vault credentials lack \d+ permission\(s\), e\.g\. \S+ on \S+: see vault-charm policy$/);
      // The log lists every missing capability, the mount management the charm needs among them.
      expect(charmLog()).toMatch(/the external Vault credentials lack: .*create\/read\/update\/delete\/sudo on sys\/mounts\/charm-\*/);
      const failed = await sim.runAction("vault/0", "kv-get", { path: "charm-kv-consumer-demo/ops/db" });
      expect(failed.message).toMatch(/^External Vault credentials lack/);
    });

    it("issue 16.1: works with a token that never expires (the root token, whose lookup-self Vault and OpenBao answer without renewable)", async () => {
      await sim.updateSecret("vault-auth", { token: external.rootToken });
      expect(sim.unit("vault/0").errorHook).toBeNull();
      expect(status()).toMatchObject({ status: "active", message: `External Vault ${external.server.url} (brokering vault-kv)` });
      await sim.runHook("vault/0", "update-status");
      expect(sim.unit("vault/0").errorHook).toBeNull();
      const get = await sim.runAction("vault/0", "kv-get", { path: "charm-kv-consumer-demo/ops/db", key: "password" });
      expect(get.results.value).toBe("ext-pw-5d1e8a");
    });

    it("issue 16.2: refuses an http:// vault-url before sending anything, unless vault-allow-insecure-http=true", async () => {
      // A listener that counts connections: the charm must not even connect to an http:// URL.
      let connections = 0;
      const listener = createServer((socket) => {
        connections++;
        socket.destroy();
      });
      await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
      const httpUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
      try {
        await sim.setConfig("vault", { "vault-url": httpUrl });
        expect(sim.unit("vault/0").errorHook).toBeNull();
        expect(status()).toMatchObject({
          status: "blocked",
          message: `External Vault: vault-url ${httpUrl} is http://, which sends credentials and secrets in clear text: use https://, or set vault-allow-insecure-http=true on a trusted network`,
        });
        const get = await sim.runAction("vault/0", "kv-get", { path: "charm-kv-consumer-demo/ops/db", key: "password" });
        expect(get.status).toBe("failed");
        expect(get.message).toMatch(/^External Vault: vault-url http:\/\/127\.0\.0\.1:\d+ is http:\/\//);
        await sim.runHook("vault/0", "update-status");
        expect(connections).toBe(0);

        await sim.setConfig("vault", { "vault-allow-insecure-http": "true" });
        expect(connections).toBeGreaterThan(0);
        expect(status()).toMatchObject({ status: "waiting", message: `External Vault at ${httpUrl} does not answer` });
        expect(charmLog()).toContain(`vault-url ${httpUrl} is http:// (vault-allow-insecure-http=true): credentials and secrets cross the network in clear text`);
      } finally {
        await sim.setConfig("vault", { "vault-url": external.server.url }, ["vault-allow-insecure-http"]);
        listener.close();
      }
      expect(status().status).toBe("active");
    });

    it("keeps tokens and secret-ids out of logs and hook-tool arguments", () => {
      const carriers = secretCarriers(sim, handled);
      // No local Vault here: the charm's log. Its cached AppRole login (a token, never the secret-id)
      // was revoked and removed when vault-auth moved back to a token.
      expect(carriers.scannedFiles).toBeGreaterThanOrEqual(1);
      expect(filesUnder(sim.unit("vault/0").dataDir).filter((f) => f.endsWith("external-login.json"))).toEqual([]);
      expect(charmLog()).toContain("revoked the external Vault login token: vault-auth now holds a token");
      expect(carriers.files).toEqual([]);
      // generate-secret-id returns its wrapping token, and kv-get (from the AppRole test) its value.
      expect(carriers.toolCalls.sort()).toEqual(["action generate-secret-id:action-set", "action kv-get:action-set"]);
    });
  });
}
