// Hostile vault-kv relation data through the simulator on a real server: malformed JSON, wrong
// types, huge values, path traversal and HCL injection in every request field, in both dialects.
// No hook may fail and nothing may appear in Vault outside the charm's own names. (The parser's own
// generated test, tests/unit/vault-kv-requests.test.ts, covers hundreds more cases without a server.)
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRoles } from "../../src/vault/approle.js";
import * as sys from "../../src/vault/sys.js";
import { projectRoot } from "../sim/paths.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const HOSTILE = join(projectRoot(), "tests", "integration", "charms", "hostile-requirer");
const MANAGED = /^charm-[a-z0-9-]+$/;
/** What a hostile-requirer unit writes: its unit bag and its application's. */
type Bags = { unit: Record<string, string>; app: Record<string, string> };

const nasty = [
  "charm-../sys",
  "*",
  "charm-a\nb",
  `charm-${"a".repeat(5000)}`,
  '{"a":1}',
  "[1,2]",
  "null",
  "12",
  "charm-x/../../sys/policy",
  'charm-x" } path "sys/*" { capabilities = ["sudo"] } #',
  "charm-ü",
  "charm-x%2F..",
  "",
  '"unterminated',
];

/** Each hostile value raw and JSON-encoded, in one field of an otherwise valid request. */
function cases(address: string): { name: string; unit: Record<string, string>; app: Record<string, string> }[] {
  const legacy = { secret_backend: '"charm-ok"', unit_name: '"hostile/0"', access_address: `"${address}"`, hostname: '"hostile-0"', isolated: "true" };
  const v0unit = { egress_subnet: `${address}/32`, nonce: "abcdef0123456789" };
  const out: { name: string; unit: Record<string, string>; app: Record<string, string> }[] = [];
  for (const value of nasty) {
    for (const encoded of [value, JSON.stringify(value)]) {
      for (const key of Object.keys(legacy)) out.push({ name: `legacy ${key}=${encoded.slice(0, 30)}`, unit: { ...legacy, [key]: encoded }, app: {} });
      out.push({ name: `v0 mount_suffix=${encoded.slice(0, 30)}`, unit: v0unit, app: { mount_suffix: encoded } });
      for (const key of Object.keys(v0unit)) out.push({ name: `v0 ${key}=${encoded.slice(0, 30)}`, unit: { ...v0unit, [key]: encoded }, app: { mount_suffix: "ok" } });
    }
  }
  return out;
}

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`hostile vault-kv relation data on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;

    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "vault-kv-hostile-");
      await ready.sim.deploy(HOSTILE, { app: "hostile" });
      await ready.sim.integrate("vault:secrets", "hostile:secrets");
    }, 240_000);
    afterAll(async () => ready?.sim.destroy());

    it(
      "never fails a hook and never names anything outside charm-*",
      async () => {
        const all = cases(ready.sim.unit("hostile/0").address);
        expect(all.length).toBeGreaterThan(200);
        // Every case takes a few hooks; a fixed stride through the list (every field, raw and encoded
        // values alike) keeps the suite near half a minute per server.
        const sample = all.filter((_, i) => i % 7 === 0);
        for (const c of sample) {
          await ready.sim.setConfig("hostile", { "unit-bag": JSON.stringify(c.unit), "app-bag": JSON.stringify(c.app) });
          expect(ready.sim.unit("vault/0").errorHook, c.name).toBeNull();
          expect(ready.sim.unit("hostile/0").errorHook, c.name).toBeNull();
        }
        const builtin = new Set(["sys", "identity", "cubbyhole", "secret"]);
        for (const mount of Object.keys(await sys.listMounts(ready.root))) expect(builtin.has(mount) || MANAGED.test(mount), mount).toBe(true);
        for (const policy of await sys.listPolicies(ready.root)) expect(["default", "root", "juju-vault-charm"].includes(policy) || MANAGED.test(policy), policy).toBe(true);
        for (const role of await listRoles(ready.root, "approle")) expect(role === "juju-vault-charm" || MANAGED.test(role), role).toBe(true);
        // A consumer policy reaches its own mount, and of sys/ only the read of that mount's UI entry.
        for (const policy of (await sys.listPolicies(ready.root)).filter((p) => MANAGED.test(p))) {
          const text = (await sys.readPolicy(ready.root, policy)) ?? "";
          expect(text, policy).not.toMatch(/sudo/);
          for (const [, path] of text.matchAll(/path "([^"]*)"/g)) expect(/^charm-[a-z0-9-]+\/|^sys\/internal\/ui\/mounts\/charm-[a-z0-9-]+$/.test(path!), `${policy}: ${path}`).toBe(true);
        }
      },
      600_000,
    );

    it("a unit whose request turns invalid is refused and keeps what it had, in both dialects", async () => {
      // The status names the first refusal: the hostile cases above leave theirs behind.
      await ready.sim.removeRelation(ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === "hostile"))!.id);
      for (const dialect of ["legacy", "v0"] as const) {
        const app = `turncoat-${dialect}`;
        await ready.sim.deploy(HOSTILE, { app });
        const address = ready.sim.unit(`${app}/0`).address;
        const valid: Bags =
          dialect === "legacy"
            ? { unit: { secret_backend: `"charm-${app}"`, access_address: `"${address}"`, hostname: `"${app}-0"`, isolated: "true" }, app: {} }
            : { unit: { egress_subnet: `${address}/32`, nonce: `nonce-${app}` }, app: { mount_suffix: "kv" } };
        const invalid: Bags = dialect === "legacy" ? { ...valid, unit: { ...valid.unit, secret_backend: '"charm-../sys"' } } : { ...valid, app: { mount_suffix: "../sys" } };
        const ask = (bags: Bags) => ready.sim.setConfig(app, { "unit-bag": JSON.stringify(bags.unit), "app-bag": JSON.stringify(bags.app) });
        await ask(valid);
        await ready.sim.integrate("vault:secrets", `${app}:secrets`);
        const relation = ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === app))!;
        // What the unit holds: its role, and where its credentials are published.
        const held = async () => ({
          roles: (await listRoles(ready.root, "approle")).filter((r) => r.includes(app)),
          published: dialect === "legacy" ? relation.unitData["vault/0"]![`${app}/0_token`] : relation.appData.vault!.credentials,
        });
        const served = await held();
        expect(served.roles, dialect).toHaveLength(1);
        expect(served.published, dialect).toBeTruthy();

        await ask(invalid);
        expect(ready.sim.unit("vault/0")).toMatchObject({ errorHook: null, status: { status: "blocked", message: expect.stringMatching(new RegExp(`^vault-kv request refused: ${app}/0: `)) } });
        expect(await held(), dialect).toEqual(served);
        // Hooks that do not read the unit again keep it refused, and it keeps what it had.
        await ready.sim.runHook("vault/0", "update-status");
        await ready.sim.setConfig("vault", { "log-level": "debug" });
        expect(ready.sim.unit("vault/0").status.message, dialect).toMatch(new RegExp(`^vault-kv request refused: ${app}/0: `));
        expect(await held(), dialect).toEqual(served);

        await ask(valid);
        expect(ready.sim.unit("vault/0").status.message, dialect).not.toMatch(/refused/);
        expect((await held()).roles, dialect).toEqual(served.roles);
        await ready.sim.setConfig("vault", {}, ["log-level"]);
        await ready.sim.removeRelation(relation.id);
      }
    });
  });
}
