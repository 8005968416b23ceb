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
        for (const policy of (await sys.listPolicies(ready.root)).filter((p) => MANAGED.test(p))) {
          expect(await sys.readPolicy(ready.root, policy), policy).not.toMatch(/path "sys|sudo/);
        }
      },
      600_000,
    );
  });
}
