// The typed client against real servers (HashiCorp Vault and OpenBao): what they allow and refuse.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { VaultClient } from "../../src/vault/client.js";
import {
  VaultNotInitialisedError,
  VaultPermissionDeniedError,
  VaultRequestError,
  VaultSealedError,
  VaultUnreachableError,
} from "../../src/vault/errors.js";
import { kv1, kv2 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { implementations, startServer, type RunningServer } from "./servers.js";

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`vault client on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let server: RunningServer;
    let anonymous: VaultClient;
    let root: VaultClient;
    let keys: string[] = [];

    beforeAll(async () => {
      server = await startServer(impl);
      anonymous = new VaultClient({ url: server.url });
    });
    afterAll(async () => server?.stop());

    it("reports an uninitialised server and refuses work on it", async () => {
      expect(await sys.health(anonymous)).toMatchObject({ initialized: false, sealed: true });
      await expect(sys.listMounts(anonymous)).rejects.toBeInstanceOf(VaultSealedError);
      await expect(sys.submitUnsealKey(anonymous, Buffer.from("not a share of anything").toString("base64"))).rejects.toBeInstanceOf(
        VaultNotInitialisedError,
      );
    });

    it("initialises, stays sealed, and unseals with the threshold of shares", async () => {
      const init = await sys.initialize(anonymous, 3, 2);
      expect(init.keysBase64).toHaveLength(3);
      keys = init.keysBase64;
      root = anonymous.withToken(init.rootToken);
      await expect(sys.listMounts(root)).rejects.toBeInstanceOf(VaultSealedError);
      expect(await sys.submitUnsealKey(anonymous, keys[0]!)).toMatchObject({ sealed: true, progress: 1, threshold: 2 });
      expect((await sys.submitUnsealKey(anonymous, keys[1]!)).sealed).toBe(false);
      expect(await sys.health(anonymous)).toMatchObject({ initialized: true, sealed: false });
    });

    it("maps a missing token to permission denied", async () => {
      await expect(sys.listMounts(anonymous)).rejects.toBeInstanceOf(VaultPermissionDeniedError);
    });

    it("issues a wrapped secret_id that unwraps exactly once and logs in only from allowed addresses", async () => {
      await sys.enableAuthMethod(root, "approle", "approle");
      await sys.enableKv(root, "charm-test", 1, "test");
      await sys.putPolicy(root, "charm-test-unit", 'path "charm-test/*" { capabilities = ["create", "read", "update", "list"] }');
      await approle.writeRole(root, "approle", "charm-test-unit", {
        tokenPolicies: ["charm-test-unit"],
        tokenTtl: "1h",
        tokenMaxTtl: "1h",
        tokenBoundCidrs: ["127.0.0.2/32"],
        secretIdBoundCidrs: ["127.0.0.2/32"],
      });
      const roleId = await approle.readRoleId(root, "approle", "charm-test-unit");
      const wrapped = await approle.generateWrappedSecretId(root, "approle", "charm-test-unit", "5m");
      const unwrapped = await sys.unwrap(anonymous, wrapped.token);
      expect(typeof unwrapped.secret_id).toBe("string");
      await expect(sys.unwrap(anonymous, wrapped.token)).rejects.toBeInstanceOf(VaultRequestError);

      const secretId = String(unwrapped.secret_id);
      const fromUnit = new VaultClient({ url: server.url, localAddress: "127.0.0.2" });
      const session = await approle.login(fromUnit, "approle", roleId, secretId);
      await kv1.write(fromUnit.withToken(session.token), "charm-test", "host/key", { value: "v1" });
      expect(await kv1.read(fromUnit.withToken(session.token), "charm-test", "host/key")).toEqual({ value: "v1" });

      const fromElsewhere = new VaultClient({ url: server.url, localAddress: "127.0.0.3" });
      await expect(approle.login(fromElsewhere, "approle", roleId, secretId)).rejects.toBeInstanceOf(VaultRequestError);
      // A token bound to 127.0.0.2 is refused from 127.0.0.3 even when stolen.
      await expect(kv1.read(fromElsewhere.withToken(session.token), "charm-test", "host/key")).rejects.toBeInstanceOf(VaultRequestError);
    });

    it("revokes a secret_id by accessor", async () => {
      const roleId = await approle.readRoleId(root, "approle", "charm-test-unit");
      const issued = await approle.generateSecretId(root, "approle", "charm-test-unit", { metadata: { revision: "3" } });
      expect(await approle.listSecretIdAccessors(root, "approle", "charm-test-unit")).toContain(issued.accessor);
      expect(await approle.readSecretIdByAccessor(root, "approle", "charm-test-unit", issued.accessor)).toEqual({ revision: "3" });
      await approle.destroySecretIdByAccessor(root, "approle", "charm-test-unit", issued.accessor);
      const fromUnit = new VaultClient({ url: server.url, localAddress: "127.0.0.2" });
      await expect(approle.login(fromUnit, "approle", roleId, issued.secretId)).rejects.toBeInstanceOf(VaultRequestError);
      expect(await approle.readSecretIdByAccessor(root, "approle", "charm-test-unit", issued.accessor)).toBeNull();
    });

    it("follows KV v2 version semantics", async () => {
      await sys.enableKv(root, "charm-v2", 2, "test");
      expect(await kv2.write(root, "charm-v2", "db", { password: "one" })).toBe(1);
      expect(await kv2.write(root, "charm-v2", "db", { password: "two" })).toBe(2);
      await expect(kv2.write(root, "charm-v2", "db", { password: "x" }, 1)).rejects.toBeInstanceOf(VaultRequestError);
      expect((await kv2.read(root, "charm-v2", "db"))?.data).toEqual({ password: "two" });
      expect((await kv2.read(root, "charm-v2", "db", 1))?.data).toEqual({ password: "one" });

      await kv2.delete(root, "charm-v2", "db");
      expect((await kv2.read(root, "charm-v2", "db"))?.data ?? null).toBeNull();
      await kv2.undelete(root, "charm-v2", "db", [2]);
      expect((await kv2.read(root, "charm-v2", "db"))?.data).toEqual({ password: "two" });

      await kv2.destroy(root, "charm-v2", "db", [1]);
      const meta = await kv2.metadata(root, "charm-v2", "db");
      expect(meta?.versions.map((v) => [v.version, v.destroyed])).toEqual([
        [1, true],
        [2, false],
      ]);
      await kv2.undelete(root, "charm-v2", "db", [1]);
      expect((await kv2.read(root, "charm-v2", "db", 1))?.data ?? null).toBeNull(); // destroyed stays gone

      expect(await kv2.list(root, "charm-v2", "")).toEqual(["db"]);
      await kv2.deleteMetadata(root, "charm-v2", "db");
      expect(await kv2.metadata(root, "charm-v2", "db")).toBeNull();
      expect(await kv2.list(root, "charm-v2", "")).toEqual([]);
    });

    it("maps an unreachable server", async () => {
      const nowhere = new VaultClient({ url: "http://127.0.0.1:1", timeoutMs: 2000 });
      await expect(sys.health(nowhere)).rejects.toBeInstanceOf(VaultUnreachableError);
    });

    it("names the sealed state and recovers from it", async () => {
      await root.request("PUT", "sys/seal");
      await expect(sys.listMounts(root)).rejects.toBeInstanceOf(VaultSealedError);
      for (const key of keys.slice(0, 2)) await sys.submitUnsealKey(anonymous, key);
      expect((await sys.health(anonymous)).sealed).toBe(false);
    });
  });
}
