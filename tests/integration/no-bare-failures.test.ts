// Issue 16's findings 3-5, 7 and 8 on a real server, through the simulator: bad config values,
// actions right after a Vault restart, bad action input, bad unseal-keys, killed hooks' tokens and
// the example consumer while Vault is sealed. Each ends in a clear status or action message; no hook
// fails.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { VaultRequestError } from "../../src/vault/errors.js";
import * as sys from "../../src/vault/sys.js";
import { projectRoot } from "../sim/paths.js";
import { charmTokenAccessors, clientFrom, deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const ROLE = "charm-kv-consumer-demo-kv-consumer-0";
const decode = (v: string) => Buffer.from(v, "base64").toString();

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`no bare failures on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;
    let unsealUri = "";
    const vaultUnit = () => ready.sim.unit("vault/0");
    /** Status of a unit whose last hook did not fail. */
    const status = (unit = "vault/0") => {
      expect(ready.sim.unit(unit).errorHook, `${unit} is in error`).toBeNull();
      return ready.sim.unit(unit).status;
    };
    const setConfig = (values: Record<string, string>) => ready.sim.setConfig("vault", values);
    const resetConfig = (names: string[]) => ready.sim.setConfig("vault", {}, names);

    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "no-bare-failures-");
      unsealUri = String(ready.sim.app("vault").config["unseal-keys"]);
      await ready.sim.deploy(CONSUMER, { app: "kv-consumer" });
      await ready.sim.integrate("vault:vault-kv", "kv-consumer:vault");
      expect(status("kv-consumer/0").message).toMatch(/^Vault KV round trip ok/);
    }, 240_000);
    afterAll(async () => ready?.sim.destroy());

    describe("config values Vault would refuse (finding 3)", () => {
      it("token-ttl=999999999h: blocked with the option and what to do; consumers keep their credentials", async () => {
        const before = await approle.readRole(ready.root, "approle", ROLE);
        await setConfig({ "token-ttl": "999999999h" });
        expect(status()).toMatchObject({ status: "blocked", message: 'Invalid config: token-ttl: "999999999h" is longer than Vault accepts (at most 2562047h): use a shorter duration' });
        expect(await approle.readRole(ready.root, "approle", ROLE)).toEqual(before);
        await resetConfig(["token-ttl"]);
        expect(status().message).toBe("Unsealed (active)");
      });

      it("wrap-ttl=0: blocked, never a bare secret_id", async () => {
        await setConfig({ "wrap-ttl": "0" });
        expect(status().message).toMatch(/^Invalid config: wrap-ttl: "0" must be at least 1s \(0 would turn response wrapping off/);
        const refreshed = await ready.sim.runAction("vault/0", "refresh-secrets", {});
        expect(refreshed.status, refreshed.message).toBe("completed");
        await resetConfig(["wrap-ttl"]);
        expect(status().message).toBe("Unsealed (active)");
      });

      it("max-lease-ttl below default-lease-ttl: blocked with the reason, and Vault keeps serving", async () => {
        const hcl = join(vaultUnit().dataDir, "var/snap/vault/common/vault.hcl");
        await setConfig({ "max-lease-ttl": "1h" });
        expect(status()).toMatchObject({
          status: "blocked",
          message: 'Invalid config: max-lease-ttl: "1h" is below default-lease-ttl "168h": raise max-lease-ttl or lower default-lease-ttl first',
        });
        expect((await sys.health(ready.root)).sealed).toBe(false);
        expect(hcl).toBeTruthy();
        await resetConfig(["max-lease-ttl"]);
        expect(status().message).toBe("Unsealed (active)");
      });

      it("kv-mount-prefix=juju- or sys-: refused as reserved", async () => {
        for (const prefix of ["juju-", "sys-"]) {
          await setConfig({ "kv-mount-prefix": prefix });
          expect(status()).toMatchObject({ status: "blocked" });
          expect(status().message).toMatch(new RegExp(`^Invalid config: kv-mount-prefix: "${prefix}" is reserved .*: choose another prefix`));
        }
        await resetConfig(["kv-mount-prefix"]);
        expect(status().message).toBe("Unsealed (active)");
      });

      it("a prefix change while consumers hold objects is refused, nothing moves, and setting it back clears it", async () => {
        const roles = await approle.listRoles(ready.root, "approle");
        await setConfig({ "kv-mount-prefix": "kv-" });
        expect(status().message).toBe(
          'Invalid config: kv-mount-prefix: cannot change from "charm-" to "kv-" while 1 vault-kv consumer unit(s) have mounts and AppRoles under charm-: ' +
            "remove those relations first (their data stays in Vault), or set kv-mount-prefix back to charm-",
        );
        await ready.sim.runHook("kv-consumer/0", "update-status");
        expect(status("kv-consumer/0").message).toMatch(/^Vault KV round trip ok: charm-kv-consumer-demo\//);
        expect(await approle.listRoles(ready.root, "approle")).toEqual(roles);
        // Actions keep working on the prefix in force.
        const put = await ready.sim.runAction("vault/0", "kv-put", { path: "charm-kv-consumer-demo/prefix-check", data: '{"a":"b"}' });
        expect(put.status, put.message).toBe("completed");
        await resetConfig(["kv-mount-prefix"]);
        expect(status().message).toBe("Unsealed (active)");
      });
    });

    describe("bad action input (finding 5)", () => {
      it("authorize-charm secret-id=garbage: a clear message, not exit status 1", async () => {
        const run = await ready.sim.runAction("vault/0", "authorize-charm", { "secret-id": "garbage" });
        expect(run).toMatchObject({ status: "failed", message: 'secret-id "garbage" is not a Juju secret URI: give the secret:... URI that juju add-secret printed' });
        expect(status().message).toBe("Unsealed (active)");
      });

      it("a token with line breaks: a trailing CRLF is trimmed, one inside is refused by name", async () => {
        const trailing = ready.sim.addSecret("crlf-token", { token: `${ready.rootToken}\r\n` });
        ready.sim.grantSecret("crlf-token", "vault");
        const ok = await ready.sim.runAction("vault/0", "authorize-charm", { "secret-id": trailing });
        expect(ok.status, ok.message).toBe("completed");
        const inside = ready.sim.addSecret("split-token", { token: `${ready.rootToken.slice(0, 6)}\r\n${ready.rootToken.slice(6)}` });
        ready.sim.grantSecret("split-token", "vault");
        const bad = await ready.sim.runAction("vault/0", "authorize-charm", { "secret-id": inside });
        expect(bad.status).toBe("failed");
        expect(bad.message).toBe(`the "token" field of secret ${inside} is not a Vault token (it holds spaces, line breaks or control characters): store the token alone`);
        const unknown = ready.sim.addSecret("unknown-token", { token: "hvs.AAAAAAAAAAAAAAAAAAAAAAAA" });
        ready.sim.grantSecret("unknown-token", "vault");
        const refused = await ready.sim.runAction("vault/0", "authorize-charm", { "secret-id": unknown });
        expect(refused.message).toMatch(/^Vault refused the token in secret .* it is unknown, expired, or lacks the permissions/);
        expect(status().message).toBe("Unsealed (active)");
      });

      it("generate-secret-id wrap-ttl=0s: refused with what to give instead", async () => {
        const run = await ready.sim.runAction("vault/0", "generate-secret-id", { role: ROLE, "wrap-ttl": "0s" });
        expect(run).toMatchObject({ status: "failed", message: "wrap-ttl 0s must be at least 1s: give e.g. 10m, or wrapped=false for a plain secret_id" });
      });

      it("bad unseal-keys while Vault is unsealed: blocked now, not after the next restart", async () => {
        await ready.sim.updateSecret("vault-unseal", { keys: Buffer.alloc(20, 7).toString("base64") });
        expect(status().message).toBe(
          "unseal-keys: share 1 is not an unseal key share of this Vault (expected 32 bytes, base64 or hex); Vault is unsealed now but would stay sealed after a restart",
        );
        await ready.sim.updateSecret("vault-unseal", { keys: "not a key!" });
        expect(status().message).toBe(
          "unseal-keys: it holds a value that is not an unseal key share; Vault is unsealed now but would stay sealed after a restart",
        );
        const content = ready.sim.model.secrets[Object.keys(ready.sim.model.secrets).find((id) => ready.sim.model.secrets[id]!.name === "vault-unseal")!]!;
        const first = decode(content.revisions[0]!.content.keys!);
        await ready.sim.updateSecret("vault-unseal", { keys: first });
        expect(status().message).toBe("Unsealed (active)");
        expect(unsealUri).toMatch(/^secret:/);
      });
    });

    it("a worker's secret_id from generate-secret-id outlives the consumer's credential refresh, until its own ttl (finding 6)", async () => {
      const address = `${ready.sim.unit("kv-consumer/0").address}/32`;
      const worker = await ready.sim.runAction("vault/0", "generate-secret-id", { role: ROLE, wrapped: false, cidr: address, ttl: "2h" });
      expect(worker.status, worker.message).toBe("completed");
      expect(worker.results["secret-id-ttl"]).toBe("2h");
      const secretId = String(worker.results["secret-id"]);
      const accessor = String(worker.results["secret-id-accessor"]);
      const refreshed = await ready.sim.runAction("vault/0", "refresh-secrets", { unit: "kv-consumer/0" });
      expect(refreshed.status, refreshed.message).toBe("completed");
      await ready.sim.runAction("vault/0", "refresh-secrets", { unit: "kv-consumer/0" });
      const credentials = Object.values(ready.sim.model.secrets).find((s) => s.label === "vault-kv-kv-consumer-0")!;
      const roleId = decode(credentials.revisions.at(-1)!.content["role-id"]!);
      const fromUnit = clientFrom(ready, "kv-consumer/0");
      expect((await approle.login(fromUnit, "approle", roleId, secretId)).policies).toContain(ROLE);
      const lookup = await ready.root.request("POST", `auth/approle/role/${ROLE}/secret-id-accessor/lookup`, { body: { secret_id_accessor: accessor } });
      expect((lookup.data as { secret_id_ttl: number }).secret_id_ttl).toBe(7200);
      // The consumer's own credential is still exactly one, beside the worker's.
      expect(await approle.listSecretIdAccessors(ready.root, "approle", ROLE)).toHaveLength(2);
      const bad = await ready.sim.runAction("vault/0", "generate-secret-id", { role: ROLE, ttl: "10s" });
      expect(bad).toMatchObject({ status: "failed", message: 'ttl "10s" is not a lifetime like 30m, 24h or 720h (at least 1m)' });
    });

    it("runs an action right after a Vault restart: unsealed first, then the action (finding 4)", async () => {
      await ready.sim.crashWorkload("vault/0");
      const put = await ready.sim.runAction("vault/0", "kv-put", { path: "charm-kv-consumer-demo/after-restart", data: '{"k":"v"}' });
      expect(put.status, put.message).toBe("completed");
      expect(status().message).toBe("Unsealed (active)");
      expect(ready.sim.runs.at(-1)).toMatchObject({ name: "action kv-put", exitCode: 0 });
    });

    it("the example consumer waits while Vault is sealed, and serves again once it is unsealed (finding 8)", async () => {
      await ready.root.request("PUT", "sys/seal");
      await ready.sim.runHook("kv-consumer/0", "update-status");
      expect(status("kv-consumer/0")).toMatchObject({ status: "waiting", message: "Waiting for Vault: Vault is sealed" });
      const get = await ready.sim.runAction("kv-consumer/0", "get", { key: "heartbeat" });
      expect(get).toMatchObject({ status: "failed", message: "Vault is sealed: try again once juju status shows the vault units active" });
      await ready.sim.runHook("vault/0", "update-status");
      await ready.sim.runHook("kv-consumer/0", "update-status");
      expect(status("kv-consumer/0").message).toMatch(/^Vault KV round trip ok/);
    });

    it("killed hooks leave no token behind: each unit keeps one, noted before use, revoked when it goes (finding 7)", async () => {
      const role = await approle.readRole(ready.root, "approle", "juju-vault-charm");
      expect(role?.tokenTtl).toBe(3600);
      const stateDir = join(vaultUnit().dataDir, "var/lib/vault-charm");
      // A per-hook token an earlier charm version noted is dropped (it died within 5 minutes).
      writeFileSync(join(stateDir, "hook-token"), "hvs.left-by-an-earlier-version", { mode: 0o600 });
      await ready.sim.runHook("vault/0", "update-status");
      expect(existsSync(join(stateDir, "hook-token"))).toBe(false);
      const keptFile = join(stateDir, "charm-session.json");
      expect(statSync(keptFile).mode & 0o777).toBe(0o600);
      const kept = () => (JSON.parse(readFileSync(keptFile, "utf8")) as { token: string }).token;
      const accessor = (await sys.lookupSelf(ready.root.withToken(kept()))).accessor;

      // Ten hooks SIGKILLed at their 2nd to 11th hook-tool call, each resolved and retried.
      ready.sim.hookWrapper = ["sh", "-c", 'echo $$ > "$VAULT_CHARM_SIM_ROOT/hook.pid"; exec "$@"', "hook"];
      try {
        for (let at = 2; at <= 11; at++) {
          let calls = 0;
          ready.sim.observeToolCalls((unit) => {
            if (unit === "vault/0" && ++calls === at) process.kill(Number(readFileSync(join(vaultUnit().dataDir, "hook.pid"), "utf8")), "SIGKILL");
          });
          await ready.sim.runHook("vault/0", "update-status");
          ready.sim.observeToolCalls(null);
          if (vaultUnit().errorHook) await ready.sim.resolve("vault/0");
        }
      } finally {
        ready.sim.observeToolCalls(null);
        ready.sim.hookWrapper = [];
      }
      expect(status().message).toBe("Unsealed (active)");
      // One live charm token, the one the unit keeps: no killed hook logged in afresh or left one.
      expect(await charmTokenAccessors(ready.root)).toEqual([accessor]);

      // A unit that goes away revokes its token.
      const token = kept();
      await ready.sim.runHook("vault/0", "stop");
      expect(existsSync(keptFile)).toBe(false);
      await expect(sys.lookupSelf(ready.root.withToken(token))).rejects.toBeInstanceOf(VaultRequestError);
      expect(await charmTokenAccessors(ready.root)).toEqual([]);
    });
  });
}
