// Consumers are untrusted tenants (issue 13): one test per finding, each through the simulator on a
// real server, with requirers that write whatever they like (tests/integration/charms/hostile-requirer)
// and checks made with the consumers' own credentials from their own addresses.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { VaultRequestError } from "../../src/vault/errors.js";
import { kv1, kv2 } from "../../src/vault/kv.js";
import * as sys from "../../src/vault/sys.js";
import { projectRoot } from "../sim/paths.js";
import { clientFrom, deployReadyVault, jsonValue, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const HOSTILE = join(projectRoot(), "tests", "integration", "charms", "hostile-requirer");
const decode = (v: string) => Buffer.from(v, "base64").toString();
type Bag = Record<string, string>;

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`vault-kv tenants on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;
    const relationOf = (app: string) => ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === app) && r.ends.some((e) => e.app === "vault"))!;
    const address = (unit: string) => ready.sim.unit(unit).address;
    const vaultStatus = () => ready.sim.unit("vault/0").status;

    /** Deploys a requirer; per-unit bags are made once its units have addresses. */
    async function consumer(app: string, opts: { units?: number; unit?: Bag; app?: Bag; perUnit?: () => Record<string, Bag> } = {}): Promise<void> {
      await ready.sim.deploy(HOSTILE, { app, units: opts.units ?? 1, config: { "unit-bag": JSON.stringify(opts.unit ?? {}), "app-bag": JSON.stringify(opts.app ?? {}) } });
      if (opts.perUnit) await ready.sim.setConfig(app, { "unit-bags": JSON.stringify(opts.perUnit()) });
      await ready.sim.integrate("vault:secrets", `${app}:secrets`);
    }
    async function drop(...apps: string[]): Promise<void> {
      for (const app of apps) await ready.sim.removeRelation(relationOf(app).id);
    }
    const v0Unit = (unit: string, nonce = `nonce-${unit.replace("/", "-")}`) => ({ nonce, egress_subnet: `${address(unit)}/32` });
    const legacyUnit = (unit: string, backend: string, extra: Bag = {}): Bag => ({
      secret_backend: JSON.stringify(backend),
      access_address: JSON.stringify(address(unit)),
      hostname: JSON.stringify(unit.replace("/", "-")),
      isolated: "true",
      ...extra,
    });
    /** A v0 unit's session from its own address, with the credentials in its granted secret. */
    async function v0Session(unit: string) {
      const secret = Object.values(ready.sim.model.secrets).find((s) => s.label === `vault-kv-${unit.replace("/", "-")}`)!;
      const content = Object.fromEntries(Object.entries(secret.revisions.at(-1)!.content).map(([k, v]) => [k, decode(v)]));
      const login = await approle.login(clientFrom(ready, unit), "approle", content["role-id"]!, content["role-secret-id"]!);
      return clientFrom(ready, unit, login.token);
    }
    /** A legacy unit's session: unwrap its token and log in, from its own address. */
    async function legacySession(unit: string, credentialKey = unit) {
      const bag = relationOf(unit.split("/")[0]!).unitData["vault/0"];
      const secretId = String((await sys.unwrap(clientFrom(ready, unit), jsonValue(bag, `${credentialKey}_token`))).secret_id);
      const login = await approle.login(clientFrom(ready, unit), "approle", jsonValue(bag, `${credentialKey}_role_id`), secretId);
      return clientFrom(ready, unit, login.token);
    }
    const managedRoles = async () => (await approle.listRoles(ready.root, "approle")).filter((r) => r.startsWith("charm-"));
    const noHookFailed = () => {
      for (const unit of Object.values(ready.sim.model.units)) expect(unit.errorHook, unit.name).toBeNull();
    };

    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "vault-kv-tenants-");
    }, 240_000);
    afterAll(async () => ready?.sim.destroy());

    it("1: v0 mounts of two applications never collide (web:worker-kv and web-worker:kv), and neither reads the other's", async () => {
      await consumer("web-worker", { app: { mount_suffix: "kv" }, perUnit: () => ({ "web-worker/0": v0Unit("web-worker/0") }) });
      await consumer("web", { app: { mount_suffix: "worker-kv" }, perUnit: () => ({ "web/0": v0Unit("web/0") }) });
      noHookFailed();
      const webMount = relationOf("web").appData.vault!.mount!;
      const workerMount = relationOf("web-worker").appData.vault!.mount!;
      expect(workerMount).toBe("charm-web-worker-kv");
      expect(webMount).toMatch(/^charm-web-worker-kv-[0-9a-f]{8}$/);
      const web = await v0Session("web/0");
      const worker = await v0Session("web-worker/0");
      await kv2.write(worker, workerMount, "db", { password: "worker" });
      await kv2.write(web, webMount, "db", { password: "web" });
      await expect(kv2.read(web, workerMount, "db")).rejects.toBeInstanceOf(VaultRequestError);
      await expect(kv2.read(worker, webMount, "db")).rejects.toBeInstanceOf(VaultRequestError);
      expect((await kv2.read(web, webMount, "db"))?.data).toEqual({ password: "web" });
      expect(vaultStatus().message).toBe("Unsealed (active)");
      await drop("web", "web-worker");
    });

    it("2: a legacy requirer cannot take another application's backend", async () => {
      await consumer("victim", { perUnit: () => ({ "victim/0": legacyUnit("victim/0", "charm-victim", { isolated: "false" }) }) });
      const victim = await legacySession("victim/0");
      await kv1.write(victim, "charm-victim", "db", { password: "victim" });
      await consumer("attacker", { perUnit: () => ({ "attacker/0": legacyUnit("attacker/0", "charm-victim", { isolated: "false" }) }) });
      noHookFailed();
      expect(vaultStatus()).toMatchObject({ status: "blocked", message: expect.stringContaining("attacker/0: backend charm-victim belongs to application victim") as string });
      expect(Object.keys(relationOf("attacker").unitData["vault/0"] ?? {}).filter((k) => k.startsWith("attacker"))).toEqual([]);
      // Isolated is no way in either while the owner holds the backend open.
      await ready.sim.setConfig("attacker", { "unit-bags": JSON.stringify({ "attacker/0": legacyUnit("attacker/0", "charm-victim") }) });
      expect(vaultStatus().message).toContain("attacker/0: backend charm-victim is used without isolation by victim/0");
      expect(await kv1.read(victim, "charm-victim", "db")).toEqual({ password: "victim" });
      await drop("attacker", "victim");
      expect(vaultStatus().message).toBe("Unsealed (active)");
    });

    it("3: legacy isolation holds against a unit claiming its sibling's hostname", async () => {
      await consumer("iso", { units: 2 });
      await ready.sim.setConfig("iso", { "unit-bags": JSON.stringify({ "iso/0": legacyUnit("iso/0", "charm-iso"), "iso/1": legacyUnit("iso/1", "charm-iso", { hostname: '"iso-0"' }) }) });
      noHookFailed();
      expect(vaultStatus().message).toContain("iso/1: hostname iso-0 in backend charm-iso is already used by iso/0");
      const bag = relationOf("iso").unitData["vault/0"]!;
      expect(Object.keys(bag).filter((k) => k.startsWith("iso/1"))).toEqual([]);
      const iso0 = await legacySession("iso/0");
      await kv1.write(iso0, "charm-iso", "iso-0/db", { password: "zero" });
      await drop("iso");
    });

    it("4: one consumer's odd address (zone id, mapped IPv6) never fails a hook, and others are still served", async () => {
      await consumer("zoned", { perUnit: () => ({ "zoned/0": legacyUnit("zoned/0", "charm-zoned", { access_address: '"fe80::1%lo"' }) }) });
      await consumer("mapped", { perUnit: () => ({ "mapped/0": legacyUnit("mapped/0", "charm-mapped", { access_address: JSON.stringify(`::ffff:${address("mapped/0")}`) }) }) });
      await consumer("fine", { app: { mount_suffix: "kv" }, perUnit: () => ({ "fine/0": v0Unit("fine/0") }) });
      noHookFailed();
      expect(vaultStatus()).toMatchObject({ status: "blocked", message: expect.stringContaining("zoned/0: access_address is not an IP address") as string });
      // The mapped form is the unit's own IPv4 address: served, bound to the canonical block.
      const role = await approle.readRole(ready.root, "approle", "charm-mapped-0");
      expect(role?.tokenBoundCidrs.map((c) => c.replace(/\/32$/, ""))).toEqual([address("mapped/0")]);
      await kv1.write(await legacySession("mapped/0"), "charm-mapped", "mapped-0/x", { ok: "1" });
      await kv2.write(await v0Session("fine/0"), relationOf("fine").appData.vault!.mount!, "x", { ok: "1" });
      await drop("zoned", "mapped", "fine");
    });

    it("5: no binding wider than the limit, however it is spelled, in either dialect", async () => {
      const wide = ["::ffff:0.0.0.0/96", "0.0.0.0/1,128.0.0.0/1", "::/1,8000::/1"];
      await consumer("wide-v0", { app: { mount_suffix: "kv" } });
      await consumer("wide-legacy");
      for (const cidrs of wide) {
        await ready.sim.setConfig("wide-v0", { "unit-bags": JSON.stringify({ "wide-v0/0": { nonce: "n1", egress_subnet: cidrs } }) });
        await ready.sim.setConfig("wide-legacy", { "unit-bags": JSON.stringify({ "wide-legacy/0": { ...legacyUnit("wide-legacy/0", "charm-wide"), "egress-subnets": cidrs } }) });
        noHookFailed();
        expect(vaultStatus().status, cidrs).toBe("blocked");
        for (const role of await managedRoles()) {
          const state = await approle.readRole(ready.root, "approle", role);
          for (const cidr of state!.tokenBoundCidrs) expect(cidr, `${role} ${cidrs}`).not.toMatch(/\/[0-7]$|^::\/|^0\.0\.0\.0/);
        }
      }
      expect(await managedRoles()).not.toContain("charm-wide-v0-kv-wide-v0-0");
      await drop("wide-v0", "wide-legacy");
    });

    it("6: a changed unit_name or mount_suffix leaves no old role behind, and remove-relation leaves nothing", async () => {
      const uuid = ready.sim.model.uuid;
      await consumer("renamer", { perUnit: () => ({ "renamer/0": legacyUnit("renamer/0", "charm-renamer") }) });
      const before = await managedRoles();
      const oldBag = relationOf("renamer").unitData["vault/0"]!;
      const oldSecretId = String((await sys.unwrap(clientFrom(ready, "renamer/0"), jsonValue(oldBag, "renamer/0_token"))).secret_id);
      const oldRoleId = jsonValue(oldBag, "renamer/0_role_id");
      await ready.sim.setConfig("renamer", { "unit-bags": JSON.stringify({ "renamer/0": legacyUnit("renamer/0", "charm-renamer", { unit_name: JSON.stringify(`${uuid}-renamer/0`) }) }) });
      noHookFailed();
      // A replaced secret-id goes in the leader hook after the one that published its successor
      // (once that token is committed: src/relations/vault-kv/retirements.ts).
      await ready.sim.runHook("vault/0", "update-status");
      await expect(approle.login(clientFrom(ready, "renamer/0"), "approle", oldRoleId, oldSecretId)).rejects.toBeInstanceOf(VaultRequestError);
      expect(Object.keys(relationOf("renamer").unitData["vault/0"]!).filter((k) => k.startsWith("renamer/0"))).toEqual([]);
      await legacySession("renamer/0", `${uuid}-renamer/0`);
      expect((await managedRoles()).length).toBe(before.length);

      await consumer("mover", { app: { mount_suffix: "one" }, perUnit: () => ({ "mover/0": v0Unit("mover/0") }) });
      const first = (await managedRoles()).filter((r) => r.startsWith("charm-mover-"));
      await ready.sim.setConfig("mover", { "app-bag": JSON.stringify({ mount_suffix: "two" }) });
      noHookFailed();
      const second = (await managedRoles()).filter((r) => r.startsWith("charm-mover-"));
      expect(second).toEqual(["charm-mover-two-mover-0"]);
      expect(await sys.listPolicies(ready.root)).not.toContain(first[0]);
      await drop("renamer", "mover");
      expect(await managedRoles()).toEqual([]);
      expect((await sys.listPolicies(ready.root)).filter((p) => p.startsWith("charm-"))).toEqual([]);
    });

    it("8: a wrapping token unwrapped by another unit is replaced, and the thief's copy is useless", async () => {
      await consumer("sib", { units: 2 });
      await ready.sim.setConfig("sib", { "unit-bags": JSON.stringify({ "sib/0": legacyUnit("sib/0", "charm-sib"), "sib/1": legacyUnit("sib/1", "charm-sib") }) });
      const bag = () => relationOf("sib").unitData["vault/0"]!;
      const stolenToken = jsonValue(bag(), "sib/0_token");
      const stolen = String((await sys.unwrap(clientFrom(ready, "sib/1"), stolenToken)).secret_id);
      // (HashiCorp Vault counts a login refused for its address as a use of the secret-id, so a
      // thief who also tries to log in before the leader's next hook looks like the unit: see README.)
      await ready.sim.runHook("vault/0", "update-status");
      noHookFailed();
      expect(jsonValue(bag(), "sib/0_token")).not.toBe(stolenToken);
      const log = readFileSync(join(ready.sim.paths.logs, "vault-0.log"), "utf8");
      expect(log).toContain("the token published for sib/0 was unwrapped but its secret-id never logged in");
      await kv1.write(await legacySession("sib/0"), "charm-sib", "sib-0/x", { ok: "1" });
      // The stolen secret-id was revoked by the leader hook after the reissue (once the new token
      // was committed: src/relations/vault-kv/retirements.ts), and never worked from the thief's address.
      await ready.sim.runHook("vault/0", "update-status");
      for (const unit of ["sib/0", "sib/1"]) await expect(approle.login(clientFrom(ready, unit), "approle", jsonValue(bag(), "sib/0_role_id"), stolen)).rejects.toBeInstanceOf(VaultRequestError);
      // The unit's own login stops further reissues.
      const token = jsonValue(bag(), "sib/0_token");
      await ready.sim.runHook("vault/0", "update-status");
      expect(jsonValue(bag(), "sib/0_token")).toBe(token);
      await drop("sib");
    });

    it("9: no consumer denies another: a shared nonce goes to one unit, a squatted mount name to a fallback", async () => {
      await consumer("twin", { units: 2, app: { mount_suffix: "kv" } });
      await ready.sim.setConfig("twin", { "unit-bags": JSON.stringify({ "twin/0": v0Unit("twin/0", "same-nonce"), "twin/1": v0Unit("twin/1", "same-nonce") }) });
      noHookFailed();
      const credentials = JSON.parse(relationOf("twin").appData.vault!.credentials!) as Record<string, string>;
      expect(Object.keys(credentials)).toEqual(["same-nonce"]);
      expect(vaultStatus().message).toContain('twin/1: nonce "same-nonce" is already used by twin/0');
      await drop("twin");

      await consumer("squat", { perUnit: () => ({ "squat/0": legacyUnit("squat/0", "charm-later-kv") }) });
      await consumer("later", { app: { mount_suffix: "kv" }, perUnit: () => ({ "later/0": v0Unit("later/0") }) });
      noHookFailed();
      const mount = relationOf("later").appData.vault!.mount!;
      expect(mount).toMatch(/^charm-later-kv-[0-9a-f]{8}$/);
      await kv2.write(await v0Session("later/0"), mount, "x", { ok: "1" });
      await expect(kv1.read(await legacySession("squat/0"), "charm-later-kv", "squat-0/x")).resolves.toBeNull();
      await drop("squat", "later");
    });

    it("10: what real requirers send is served: charm-helpers' isolated=True, a uuid nonce", async () => {
      await consumer("helpers", { perUnit: () => ({ "helpers/0": legacyUnit("helpers/0", "charm-helpers", { isolated: "True" }) }) });
      await consumer("canonical", { app: { mount_suffix: "kv" }, perUnit: () => ({ "canonical/0": v0Unit("canonical/0", "0d5c6a8e-7b1f-4c2a-9e3d-5f6a7b8c9d0e") }) });
      noHookFailed();
      expect(vaultStatus().message).toBe("Unsealed (active)");
      const helpers = await legacySession("helpers/0");
      await kv1.write(helpers, "charm-helpers", "helpers-0/x", { ok: "1" });
      await expect(kv1.write(helpers, "charm-helpers", "other-host/x", { ok: "1" })).rejects.toBeInstanceOf(VaultRequestError);
      await kv2.write(await v0Session("canonical/0"), relationOf("canonical").appData.vault!.mount!, "x", { ok: "1" });
      await drop("helpers", "canonical");
    });

    it("isolation with real credentials: every consumer is refused on every other consumer's mount and paths", async () => {
      await consumer("ta", { units: 2, app: { mount_suffix: "kv" }, perUnit: () => ({ "ta/0": v0Unit("ta/0"), "ta/1": v0Unit("ta/1") }) });
      await consumer("tb", { units: 2, perUnit: () => ({ "tb/0": legacyUnit("tb/0", "charm-shared-host"), "tb/1": legacyUnit("tb/1", "charm-shared-host") }) });
      await consumer("tc", { perUnit: () => ({ "tc/0": legacyUnit("tc/0", "charm-shared-host") }) });
      noHookFailed();
      expect(vaultStatus().message).toBe("Unsealed (active)");
      const taMount = relationOf("ta").appData.vault!.mount!;
      const sessions: [string, Awaited<ReturnType<typeof v0Session>>][] = [
        ["ta/0", await v0Session("ta/0")],
        ["ta/1", await v0Session("ta/1")],
        ["tb/0", await legacySession("tb/0")],
        ["tb/1", await legacySession("tb/1")],
        ["tc/0", await legacySession("tc/0")],
      ];
      const own: Record<string, (c: (typeof sessions)[number][1]) => Promise<unknown>> = {
        "ta/0": (c) => kv2.write(c, taMount, "x", { v: "1" }),
        "ta/1": (c) => kv2.write(c, taMount, "y", { v: "1" }),
        "tb/0": (c) => kv1.write(c, "charm-shared-host", "tb-0/x", { v: "1" }),
        "tb/1": (c) => kv1.write(c, "charm-shared-host", "tb-1/x", { v: "1" }),
        "tc/0": (c) => kv1.write(c, "charm-shared-host", "tc-0/x", { v: "1" }),
      };
      let refused = 0;
      for (const [unit, session] of sessions) {
        await own[unit]!(session);
        for (const [other, write] of Object.entries(own)) {
          const sameApp = other.split("/")[0] === unit.split("/")[0] && unit.startsWith("ta/");
          if (other === unit || sameApp) continue;
          await expect(write(session), `${unit} -> ${other}`).rejects.toBeInstanceOf(VaultRequestError);
          refused += 1;
        }
      }
      expect(refused).toBe(18);
      await drop("ta", "tb", "tc");
    });

    it("drift: a role and policy deleted by hand are restored by the next update-status, which otherwise reads no consumer's data", async () => {
      await consumer("drift", { units: 2, app: { mount_suffix: "kv" }, perUnit: () => ({ "drift/0": v0Unit("drift/0"), "drift/1": v0Unit("drift/1") }) });
      const role = "charm-drift-kv-drift-1";
      await approle.deleteRole(ready.root, "approle", role);
      await sys.deletePolicy(ready.root, role);
      const before = ready.sim.runs.length;
      await ready.sim.runHook("vault/0", "update-status");
      noHookFailed();
      expect(await approle.readRole(ready.root, "approle", role)).not.toBeNull();
      expect(await sys.readPolicy(ready.root, role)).not.toBeNull();
      await kv2.write(await v0Session("drift/1"), relationOf("drift").appData.vault!.mount!, "x", { ok: "1" });
      // Converged: the next update-status reads no unit's bag (relation-get of a unit names it).
      await ready.sim.runHook("vault/0", "update-status");
      const last = ready.sim.runs.slice(before).filter((r) => r.name === "update-status" && r.unit === "vault/0").at(-1)!;
      const unitReads = last.toolCalls.filter((c) => c.tool === "relation-get" && /drift\/\d/.test(c.args.join(" ")));
      expect(unitReads).toEqual([]);
      await drop("drift");
    });

    it("7: the vault leader leaving never removes its consumers' roles", async () => {
      await consumer("stays", { perUnit: () => ({ "stays/0": legacyUnit("stays/0", "charm-stays") }) });
      const roles = await managedRoles();
      expect(roles).toContain("charm-stays-0");
      const bag = relationOf("stays").unitData["vault/0"]!;
      const roleId = jsonValue(bag, "stays/0_role_id");
      const secretId = String((await sys.unwrap(clientFrom(ready, "stays/0"), jsonValue(bag, "stays/0_token"))).secret_id);
      await ready.sim.addUnit("vault");
      // Held after its last consumer hook, before stop: its Vault still answers, and nothing went.
      ready.sim.hold("vault/0", { after: "secrets-relation-broken" });
      await ready.sim.removeUnit("vault/0");
      noHookFailed();
      expect(await managedRoles()).toEqual(roles);
      await approle.login(clientFrom(ready, "stays/0"), "approle", roleId, secretId);
      await ready.sim.release("vault/0");
    });
  });
}
