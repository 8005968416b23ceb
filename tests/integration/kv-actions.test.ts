// The KV operator actions against a real server, through the simulator: every version operation is
// checked twice, through the action and through Vault's API with a root token.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunArgs } from "../sim/action-params.js";
import { projectRoot } from "../sim/paths.js";
import { kv1, kv2 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { secretCarriers } from "./leaks.js";
import { implementations } from "./servers.js";

const V2 = "charm-ops";
const V1 = "charm-legacy";
const PASSWORD = "pw-4f1c9e27b3d8";
const NEW_PASSWORD = "pw-7a2d5c91e0b4";
const API_KEY = "key-a81c3f5e62d0";

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`KV actions on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;
    const act = async (name: string, params: Record<string, unknown>) => ready.sim.runAction("vault/0", name, params);
    const ok = async (name: string, params: Record<string, unknown>) => {
      const result = await act(name, params);
      expect(result.status, `${name}: ${result.message}`).toBe("completed");
      return result.results;
    };
    const refused = async (name: string, params: Record<string, unknown>, why: RegExp) => {
      const result = await act(name, params);
      expect(result.status).toBe("failed");
      expect(result.message).toMatch(why);
    };
    const meta = () => kv2.metadata(ready.root, V2, "app/db");

    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "kv-actions-");
      await sys.enableKv(ready.root, V2, 2, "test mount");
      await sys.enableKv(ready.root, V1, 1, "test mount");
      await sys.enableKv(ready.root, "ops-unmanaged", 2, "not the charm's");
    }, 240_000);
    afterAll(async () => ready?.sim.destroy());

    it("puts and gets a KV v2 entry, as JSON or key=value pairs, and Vault holds the same", async () => {
      expect(await ok("kv-put", { path: `${V2}/app/db`, data: JSON.stringify({ user: "app", password: PASSWORD, port: 5432 }) })).toMatchObject({ version: "1", keys: "3" });
      const got = await ok("kv-get", { path: `${V2}/app/db` });
      expect(JSON.parse(String(got.data))).toEqual({ user: "app", password: PASSWORD, port: 5432 });
      expect(got).toMatchObject({ version: "1", "kv-version": "2" });
      expect(await ok("kv-get", { path: `${V2}/app/db`, key: "port" })).toMatchObject({ key: "port", value: "5432" });
      expect(await ok("kv-put", { path: `${V2}/app/db`, data: `user=app password=${NEW_PASSWORD}` })).toMatchObject({ version: "2" });
      expect((await kv2.read(ready.root, V2, "app/db"))?.data).toEqual({ user: "app", password: NEW_PASSWORD });
      expect((await kv2.read(ready.root, V2, "app/db", 1))?.data?.password).toBe(PASSWORD);
      expect(await ok("kv-get", { path: `${V2}/app/db`, version: 1, key: "password" })).toMatchObject({ value: PASSWORD, version: "1" });
      expect(JSON.parse(String((await ok("kv-list", { path: `${V2}/` })).keys))).toEqual(["app/"]);
      expect(JSON.parse(String((await ok("kv-list", { path: `${V2}/app` })).keys))).toEqual(["db"]);
    });

    it("check-and-set refuses a stale version and accepts the current one", async () => {
      await refused("kv-put", { path: `${V2}/app/db`, data: "a=1", cas: 1 }, /check-and-set/);
      expect((await meta())?.currentVersion).toBe(2);
      await refused("kv-put", { path: `${V2}/app/db`, data: "a=1", cas: 0 }, /check-and-set/);
      expect(await ok("kv-put", { path: `${V2}/app/new`, data: `api=${API_KEY}`, cas: 0 })).toMatchObject({ version: "1" });
      expect(await ok("kv-put", { path: `${V2}/app/new`, data: `api=${API_KEY} extra=1`, cas: 1 })).toMatchObject({ version: "2" });
    });

    it("resolves vault.secret(local:...) references, and a put through one keeps the entry's other keys", async () => {
      expect(await ok("kv-get", { path: `vault.secret(local:${V2}/app/db.password)` })).toMatchObject({ key: "password", value: NEW_PASSWORD });
      expect(await ok("kv-put", { path: `vault.secret(local:${V2}/app/db.password)`, data: PASSWORD })).toMatchObject({ version: "3" });
      expect((await kv2.read(ready.root, V2, "app/db"))?.data).toEqual({ user: "app", password: PASSWORD });
      await refused("kv-get", { path: `vault.secret(external:${V2}/app/db.password)` }, /no external Vault is configured/);
      await refused("kv-get", { path: `vault.secret(local:${V2}/app/db.nokey)` }, /has no key "nokey"; its keys: password, user/);
      await refused("kv-get", { path: `vault.secret(local:${V2}/app/db.password)`, key: "user" }, /names key password but the key parameter says user/);
      await refused("kv-get", { path: `vault.secret(local ${V2}/app/db.password)` }, /^path: /);
    });

    it("delete hides the latest version, undelete restores it, destroy is for good, delete-metadata removes all", async () => {
      expect(await ok("kv-delete", { path: `${V2}/app/db` })).toMatchObject({ deleted: "3" });
      expect((await kv2.read(ready.root, V2, "app/db"))?.data ?? null).toBeNull();
      expect((await meta())?.versions.find((v) => v.version === 3)?.deletionTime).not.toBe("");
      await refused("kv-get", { path: `${V2}/app/db` }, /version 3 of charm-ops\/app\/db was deleted at .*kv-undelete versions=3 restores it/);
      expect(await ok("kv-get", { path: `${V2}/app/db`, version: 2, key: "password" })).toMatchObject({ value: NEW_PASSWORD });

      expect(await ok("kv-undelete", { path: `${V2}/app/db`, versions: "3" })).toMatchObject({ undeleted: "3" });
      expect((await kv2.read(ready.root, V2, "app/db"))?.data?.password).toBe(PASSWORD);
      expect(await ok("kv-get", { path: `${V2}/app/db`, key: "password" })).toMatchObject({ value: PASSWORD, version: "3" });

      expect(await ok("kv-destroy", { path: `${V2}/app/db`, versions: "1" })).toMatchObject({ destroyed: "1" });
      expect((await meta())?.versions.find((v) => v.version === 1)?.destroyed).toBe(true);
      await refused("kv-get", { path: `${V2}/app/db`, version: 1 }, /version 1 of charm-ops\/app\/db was destroyed/);
      await refused("kv-undelete", { path: `${V2}/app/db`, versions: "1" }, /destroyed and cannot be restored/);
      await ok("kv-delete", { path: `${V2}/app/db`, versions: "2" });
      const versions = (await ok("kv-versions", { path: `${V2}/app/db` })) as { versions: Record<string, { state: string }> };
      expect(Object.fromEntries(Object.entries(versions.versions).map(([n, v]) => [n, v.state]))).toEqual({ 1: "destroyed", 2: "deleted", 3: "live" });
      expect(versions).toMatchObject({ "current-version": "3", "oldest-version": "0" });

      expect(await ok("kv-delete-metadata", { path: `${V2}/app/db` })).toMatchObject({ "removed-versions": "3" });
      expect(await meta()).toBeNull();
      await refused("kv-versions", { path: `${V2}/app/db` }, /charm-ops\/app\/db does not exist/);
      await refused("kv-get", { path: `${V2}/app/db`, version: 2 }, /does not exist/);
    });

    it("refuses versions an entry does not have instead of letting Vault ignore them", async () => {
      await refused("kv-destroy", { path: `${V2}/app/new`, versions: "7" }, /has no version 7 \(kept: 1, 2\)/);
      await refused("kv-delete", { path: `${V2}/app/new`, versions: "0,1" }, /not a positive whole number/);
      await refused("kv-undelete", { path: `${V2}/app/new`, versions: "" }, /parameter versions is required/);
      expect((await kv2.metadata(ready.root, V2, "app/new"))?.versions.every((v) => !v.destroyed && !v.deletionTime)).toBe(true);
    });

    it("works on a KV v1 mount and says which operations need v2", async () => {
      await ok("kv-put", { path: `${V1}/host/cfg`, data: `token=${API_KEY}` });
      expect(await kv1.read(ready.root, V1, "host/cfg")).toEqual({ token: API_KEY });
      expect(await ok("kv-get", { path: `vault.secret(local:${V1}/host/cfg.token)` })).toMatchObject({ value: API_KEY, "kv-version": "1" });
      await refused("kv-versions", { path: `${V1}/host/cfg` }, /needs KV version 2; charm-legacy is KV version 1/);
      await refused("kv-put", { path: `${V1}/host/cfg`, data: "a=1", cas: 0 }, /cas needs KV version 2/);
      await refused("kv-get", { path: `${V1}/host/cfg`, version: 1 }, /keeps no versions/);
      expect(await ok("kv-delete", { path: `${V1}/host/cfg` })).toMatchObject({ deleted: "entry" });
      expect(await kv1.read(ready.root, V1, "host/cfg")).toBeNull();
    });

    it("touches nothing outside the charm's mounts, whatever the path says", async () => {
      const mountsBefore = Object.keys(await sys.listMounts(ready.root)).sort();
      const cases: [string, Record<string, unknown>, RegExp][] = [
        ["kv-put", { path: "ops-unmanaged/x", data: "a=1" }, /works only on mounts this charm manages/],
        ["kv-get", { path: "sys/mounts" }, /works only on mounts this charm manages/],
        ["kv-put", { path: "charm-../sys/x", data: "a=1" }, /not a mount name/],
        ["kv-put", { path: `${V2}/../../sys/policies/acl/x`, data: "a=1" }, /not allowed/],
        ["kv-put", { path: `${V2}/a\nb`, data: "a=1" }, /whitespace/],
        ["kv-put", { path: "charm-nothing/x", data: "a=1" }, /there is no mount charm-nothing; managed mounts: charm-legacy, charm-ops/],
        ["kv-put", { path: `${V2}/x`, data: "{not json" }, /data: data starts with \{ but is not valid JSON/],
        ["kv-list", { path: `vault.secret(local:${V2}/app)` }, /not a folder/],
        ["kv-delete-metadata", { path: "cubbyhole/x" }, /works only on mounts this charm manages/],
      ];
      for (const [name, params, why] of cases) await refused(name, params, why);
      expect(Object.keys(await sys.listMounts(ready.root)).sort()).toEqual(mountsBefore);
      expect(await kv2.list(ready.root, "ops-unmanaged", "")).toEqual([]);
      expect(await kv2.list(ready.root, V2, "")).toEqual(["app/"]);
    });

    it("runs the README's juju run examples as Juju types them (YAML per value), and with --string-args", async () => {
      const readme = readFileSync(join(projectRoot(), "README.md"), "utf8");
      const lines = readme.split("\n").filter((l) => l.startsWith("juju run vault/leader kv-"));
      expect(lines.length).toBeGreaterThanOrEqual(6);
      const run = async (line: string, options: { stringArgs?: boolean } = {}) => {
        const [, , , action, ...pairs] = shellWords(line.replaceAll("charm-app-x", `${V2}/readme`));
        const params = parseRunArgs(pairs, options);
        const result = await act(action!, params);
        expect(result.status, `${line}: ${result.message}`).toBe("completed");
        return params;
      };
      const [put, ...rest] = lines;
      // data='{...}' arrives as a map and cas=0 as a number, as on a real controller.
      expect(await run(put!)).toMatchObject({ data: { user: "app", password: "s3cret" }, cas: 0 });
      await run(`juju run vault/leader kv-put path=charm-app-x/db data='{"user":"app","password":"rotated"}'`);
      for (const line of rest) await run(line);
      expect(await kv2.metadata(ready.root, V2, "readme/db")).toBeNull();
      // --string-args keeps every value text: the charm takes JSON text and "1" alike (cas=0 would
      // be refused by Juju's schema check then: it is an integer parameter).
      await run(`juju run vault/leader kv-put path=charm-app-x/db data='{"user":"app","password":"s3cret"}'`, { stringArgs: true });
      expect(parseRunArgs(["versions=1"], { stringArgs: true })).toEqual({ versions: "1" });
      await run("juju run vault/leader kv-destroy path=charm-app-x/db versions=1", { stringArgs: true });
      await run("juju run vault/leader kv-delete path=charm-app-x/db versions=[1]");
    });

    it("returns values only from kv-get, and never logs them", () => {
      const carriers = secretCarriers(ready.sim, [PASSWORD, NEW_PASSWORD, API_KEY]);
      expect(carriers.scannedFiles).toBeGreaterThan(5);
      expect(carriers.files).toEqual([]);
      // kv-put reads its data through action-get (stdout), never argv; action-set of kv-get is
      // the one place a value must travel, as Juju takes action results only as arguments.
      expect(carriers.toolCalls).toEqual(["action kv-get:action-set"]);
    });
  });
}

/** A README command line as a POSIX shell splits it: '...' and "..." quoting, # comments. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === " ") {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "#" && word === null) break;
    else word = (word ?? "") + c;
  }
  if (word !== null) words.push(word);
  return words;
}
