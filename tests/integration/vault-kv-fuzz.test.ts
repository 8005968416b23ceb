// Generated hostile vault-kv requests through the simulator on a real server (issue 13): three
// hostile applications rewrite every field of both dialects each round (malformed JSON, huge values,
// unicode, traversal, odd addresses and CIDRs, duplicate nonces, other tenants' names and hosts,
// identity switches), beside two well-behaved consumers. After every round: no hook failed, the good
// consumers still round-trip from their own addresses, Vault holds nothing outside charm-*, no
// policy reaches a path of another identity, no role is bound wider than the limit, and every
// role, policy and live secret-id has a current owner.
// Seeded and bounded: VAULT_CHARM_FUZZ_INPUTS (default 200, a sample for CI; 10000 for the full
// run), VAULT_CHARM_FUZZ_SEED, VAULT_CHARM_FUZZ_SERVER (openbao or vault).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { breadthProblem } from "../../src/cidr.js";
import * as approle from "../../src/vault/approle.js";
import { kv2 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { projectRoot } from "../sim/paths.js";
import { seeded } from "../sim/seeded.js";
import { clientFrom, deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const HOSTILE = join(projectRoot(), "tests", "integration", "charms", "hostile-requirer");
const INPUTS = Number(process.env.VAULT_CHARM_FUZZ_INPUTS ?? 200);
const SEED = Number(process.env.VAULT_CHARM_FUZZ_SEED ?? 13);
const server = implementations().find((i) => i.name === (process.env.VAULT_CHARM_FUZZ_SERVER ?? "openbao") && i.bin) ?? implementations().find((i) => i.bin);
const HOSTILE_APPS = ["gv-d", "fz", "gl-x"];
const UNITS_PER_APP = 3;
const LIMIT = { ipv4: 8, ipv6: 32 };


type Bag = Record<string, string>;

describe.skipIf(!server)(`vault-kv fuzz: ${INPUTS} generated hostile inputs on ${server?.name ?? "no server"}`, () => {
  let ready: ReadyVault;
  const random = seeded(SEED);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const relationOf = (app: string) => ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === app) && r.ends.some((e) => e.app === "vault"))!;
  const address = (unit: string) => ready.sim.unit(unit).address;

  beforeAll(async () => {
    ready = await deployReadyVault(server!.bin!, "vault-kv-fuzz-");
    await ready.sim.deploy(join(projectRoot(), "examples", "kv-consumer"), { app: "gv", config: { "mount-suffix": "d-x" } });
    await ready.sim.integrate("vault:vault-kv", "gv:vault");
    await ready.sim.deploy(join(projectRoot(), "examples", "kv-consumer"), { app: "gl", config: { dialect: "legacy", backend: "charm-gl" } });
    await ready.sim.integrate("vault:secrets", "gl:vault");
    for (const app of HOSTILE_APPS) {
      await ready.sim.deploy(HOSTILE, { app, units: UNITS_PER_APP });
      await ready.sim.integrate("vault:secrets", `${app}:secrets`);
    }
  }, 300_000);
  afterAll(async () => ready?.sim.destroy());

  function value(kind: "name" | "address" | "cidrs" | "host" | "unit" | "flag" | "nonce", unit: string): string {
    const others = Object.keys(ready.sim.model.units).filter((u) => u !== unit);
    const other = pick(others);
    const junk = pick(['{"a":1}', "[1,2]", "null", "12", "", '"unterminated', "ü∂ß", "x".repeat(pick([1, 200, 5000])), "a\nb", "../../sys", "*", '" } path "sys/*" { capabilities = ["sudo"] } #']);
    switch (kind) {
      case "name":
        return pick(["charm-gl", "charm-gv-d-x", `charm-${unit.split("/")[0]}`, "charm-shared", "charm-../sys", "sys", "charm-", `charm-${"a".repeat(130)}`, "charm-x%2F..", junk]);
      case "address":
        return pick([address(unit), address(other), `${address(unit)}%lo`, `::ffff:${address(unit)}`, "fe80::1%lo", "127.000.0.1", "0.0.0.0", "::", junk]);
      case "cidrs":
        return pick([`${address(unit)}/32`, `${address(other)}/32`, "::ffff:0.0.0.0/96", "0.0.0.0/1,128.0.0.0/1", "::/1,8000::/1", "10.0.0.0/8", "10.0.0.0/7", "2001:db8::/32,2001:db9::/32", `${address(unit)}/32,${"1.2.3.4/32,".repeat(40)}`, junk]);
      case "host":
        return pick([unit.replace("/", "-"), other.replace("/", "-"), "gl-0", "host.example", "UPPER", "a..b", junk]);
      case "unit":
        return pick([unit, `${ready.sim.model.uuid}-${unit}`, other, `${ready.sim.model.uuid}-${other}`, junk]);
      case "flag":
        return pick(["true", "false", '"True"', "True", "False", "yes", "1", junk]);
      case "nonce":
        return pick(["n1", "n2", `n-${unit}`, "0d5c6a8e-7b1f-4c2a-9e3d-5f6a7b8c9d0e", "has space", "x".repeat(200), junk]);
    }
  }

  /** One hostile unit's bag: a legacy or v0 request with each field drawn at random, raw or JSON-encoded. */
  function unitBag(unit: string): Bag {
    const enc = (v: string) => (random() < 0.6 ? JSON.stringify(v) : v);
    const bag: Bag = { "egress-subnets": random() < 0.7 ? `${address(unit)}/32` : value("cidrs", unit) };
    if (random() < 0.5) {
      Object.assign(bag, {
        secret_backend: enc(value("name", unit)),
        access_address: enc(value("address", unit)),
        hostname: enc(value("host", unit)),
        unit_name: enc(value("unit", unit)),
        isolated: value("flag", unit),
      });
    } else {
      Object.assign(bag, { nonce: value("nonce", unit), egress_subnet: value("cidrs", unit) });
    }
    for (const key of Object.keys(bag)) if (random() < 0.1) delete bag[key];
    return bag;
  }

  async function goodRoundTrips(round: number): Promise<void> {
    const v0 = relationOf("gv").appData.vault!;
    const secret = Object.values(ready.sim.model.secrets).find((s) => s.label === "vault-kv-gv-0")!;
    const content = Object.fromEntries(Object.entries(secret.revisions.at(-1)!.content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    const v0Login = await approle.login(clientFrom(ready, "gv/0"), "approle", content["role-id"]!, content["role-secret-id"]!);
    const v0Session = clientFrom(ready, "gv/0", v0Login.token);
    await kv2.write(v0Session, v0.mount!, "fuzz", { round: String(round) });
    expect((await kv2.read(v0Session, v0.mount!, "fuzz"))?.data).toEqual({ round: String(round) });
    expect(ready.sim.unit("gl/0").status.message, "the legacy consumer's own round trip").toMatch(/^Vault KV round trip ok/);
  }

  async function checkInvariants(): Promise<number> {
    let checks = 0;
    const peer = ready.sim.model.relations.find((r) => r.ends.every((e) => e.app === "vault"))!;
    const ledger = JSON.parse(peer.appData.vault?.["vault-kv-consumers"] || "{}") as Record<string, { unit: string; role: string; mount: string; dialect: string; isolated?: boolean }>;
    const live = new Set(ready.sim.model.relations.filter((r) => r.ends.some((e) => e.app === "vault") && !r.ends.every((e) => e.app === "vault")).flatMap((r) => Object.keys(r.unitData)));
    const owners = new Map(Object.values(ledger).map((r) => [r.role, r]));
    const builtin = new Set(["sys", "identity", "cubbyhole", "secret"]);
    for (const mount of Object.keys(await sys.listMounts(ready.root))) expect(builtin.has(mount) || /^charm-[a-z0-9-]+$/.test(mount), mount).toBe(true);
    const roles = await approle.listRoles(ready.root, "approle");
    const granted = new Map<string, string[]>();
    for (const role of roles) {
      checks += 1;
      if (role === "juju-vault-charm") continue;
      expect(role).toMatch(/^charm-[a-z0-9-]+$/);
      const owner = owners.get(role);
      expect(owner, `role ${role} has a recorded owner`).toBeDefined();
      expect(live.has(owner!.unit), `role ${role}'s owner ${owner!.unit} is still related`).toBe(true);
      const state = (await approle.readRole(ready.root, "approle", role))!;
      expect(breadthProblem(state.tokenBoundCidrs.map((c) => (c.includes("/") ? c : `${c}/${c.includes(":") ? 128 : 32}`)), LIMIT), role).toBeNull();
      for (const accessor of await approle.listSecretIdAccessors(ready.root, "approle", role)) {
        const meta = await approle.readSecretIdByAccessor(ready.root, "approle", role, accessor);
        expect(meta?.["juju-unit"], `live secret-id of ${role}`).toBe(owner!.unit);
        checks += 1;
      }
      const policy = (await sys.readPolicy(ready.root, role)) ?? "";
      expect(policy, role).not.toMatch(/path "sys\/(?!internal\/ui\/mounts\/)|sudo/);
      granted.set(role, [...policy.matchAll(/path "([^"]+)"/g)].map((m) => m[1]!).filter((p) => !p.startsWith("sys/")).map((p) => p.replace(/\*$/, "")));
    }
    for (const policy of await sys.listPolicies(ready.root)) {
      if (["default", "root", "juju-vault-charm"].includes(policy)) continue;
      expect(owners.has(policy), `policy ${policy} has a recorded owner`).toBe(true);
      checks += 1;
    }
    // No policy reaches another identity's paths: two units' grants overlap only within one
    // application's shared (v0 or non-isolated) mount.
    const entries = [...granted.entries()];
    for (const [i, [roleA, pathsA]] of entries.entries()) {
      for (const [roleB, pathsB] of entries.slice(i + 1)) {
        const a = owners.get(roleA)!;
        const b = owners.get(roleB)!;
        const overlap = pathsA.some((p) => pathsB.some((q) => p.startsWith(q) || q.startsWith(p)));
        checks += 1;
        if (!overlap) continue;
        const sameApp = a.unit.split("/")[0] === b.unit.split("/")[0];
        const shared = a.dialect === "v0" || (a.isolated === false && b.isolated === false);
        expect(sameApp && shared, `${roleA} (${a.unit}) and ${roleB} (${b.unit}) reach the same paths`).toBe(true);
      }
    }
    return checks;
  }

  it(
    "no hook fails, good consumers keep working, and every tenant invariant holds",
    async () => {
      let inputs = 0;
      let rounds = 0;
      let checks = 0;
      const started = Date.now();
      while (inputs < INPUTS) {
        rounds += 1;
        for (const app of HOSTILE_APPS) {
          const bags = Object.fromEntries(ready.sim.aliveUnits(app).map((u) => [u, unitBag(u)]));
          const appBag = random() < 0.5 ? { mount_suffix: pick(["x", "kv", "d-x", "", "UPPER", "a".repeat(60), "../x", '{"a":1}']) } : {};
          inputs += Object.values(bags).reduce((n, b) => n + Object.keys(b).length, 0) + Object.keys(appBag).length;
          await ready.sim.setConfig(app, { "unit-bags": JSON.stringify(bags), "app-bag": JSON.stringify(appBag) });
        }
        for (const unit of Object.values(ready.sim.model.units)) expect(unit.errorHook, `${unit.name} after round ${rounds}`).toBeNull();
        await ready.sim.runHook("gl/0", "update-status");
        await goodRoundTrips(rounds);
        checks += await checkInvariants();
      }
      // Everything a hostile application had goes with its relation.
      for (const app of HOSTILE_APPS) await ready.sim.removeRelation(relationOf(app).id);
      checks += await checkInvariants();
      const left = (await approle.listRoles(ready.root, "approle")).filter((r) => !["juju-vault-charm"].includes(r) && !r.startsWith("charm-gv-") && !r.startsWith("charm-gl-"));
      expect(left).toEqual([]);
      console.log(`vault-kv fuzz (seed ${SEED}, ${server!.name}): ${inputs} hostile inputs in ${rounds} rounds, ${checks} invariant checks, 0 violations, ${Math.round((Date.now() - started) / 1000)} s`);
    },
    Math.max(600_000, INPUTS * 2_000),
  );
});
