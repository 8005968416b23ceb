// The charm's own AppRole credentials (vault-approle-charm) through their life, on a real server
// and the simulator's clock: issued by authorize-charm with a hard lifetime, renewed monthly and
// before that lifetime runs out, the old secret-id working while a unit still tracks its revision
// and refused by Vault once Juju says nobody does; no secret-id left behind over many cycles.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { VaultPermissionDeniedError, VaultRequestError } from "../../src/vault/errors.js";
import { data, num } from "../../src/vault/response.js";
import { revokeSelf } from "../../src/vault/sys.js";
import { projectRoot } from "../sim/paths.js";
import { charmTokenAccessors, clientFrom, deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const CHARM_ROLE = "juju-vault-charm";
const CONSUMER_ROLE = "charm-kv-consumer-demo-kv-consumer-0";
const DAY = 86_400_000;
const CYCLES = 100;

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`the charm's own AppRole credentials on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;
    const secretLabelled = (label: string) => Object.values(ready.sim.model.secrets).find((s) => s.label === label)!;
    const charmSecret = () => secretLabelled("vault-approle-charm");
    const contentOf = (revision: number) =>
      Object.fromEntries(Object.entries(charmSecret().revisions.find((r) => r.revision === revision)!.content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    const latest = () => charmSecret().revisions.at(-1)!.revision;
    /** Logs in as a vault unit would with a revision's credentials; resolves to the token's policies. */
    const loginWith = async (revision: number | Record<string, string>) => {
      const { "role-id": roleId, "secret-id": secretId } = typeof revision === "number" ? contentOf(revision) : revision;
      const session = await approle.login(clientFrom(ready, "vault/0"), "approle", roleId!, secretId!);
      await revokeSelf(clientFrom(ready, "vault/0", session.token));
      return session.policies;
    };
    const live = (role: string) => approle.listSecretIdAccessors(ready.root, "approle", role);
    const secretIdTtl = async (accessor: string) =>
      num(data(await ready.root.request("POST", `auth/approle/role/${CHARM_ROLE}/secret-id-accessor/lookup`, { body: { secret_id_accessor: accessor } }), "lookup").secret_id_ttl, "secret_id_ttl");

    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "charm-credentials-");
      await ready.sim.deploy(CONSUMER, { app: "kv-consumer" });
      await ready.sim.integrate("vault:vault-kv", "kv-consumer:vault");
      // The consumer's credentials rotate too, less often, so the cycles below cover both kinds of role.
      await ready.sim.setConfig("vault", { "credential-rotation": "yearly" });
    }, 240_000);
    afterAll(async () => ready?.sim.destroy());

    it("holds a secret-id with the configured lifetime, in a revision that expires at two thirds of it", async () => {
      const secret = charmSecret();
      expect(secret).toMatchObject({ ownerKind: "application", rotatePolicy: "monthly" });
      const [accessor] = await live(CHARM_ROLE);
      expect(await live(CHARM_ROLE)).toHaveLength(1);
      expect(await secretIdTtl(accessor!)).toBe(90 * 86_400);
      const revision = secret.revisions.at(-1)!;
      const lifetimeUsed = (Date.parse(revision.expireAt!) - Date.parse(revision.createdAt)) / DAY;
      expect(lifetimeUsed).toBeGreaterThan(59.9);
      expect(lifetimeUsed).toBeLessThanOrEqual(60);
    });

    it("lets the charm's token issue secret-ids of its own role, and nothing else about that role", async () => {
      const { "role-id": roleId, "secret-id": secretId } = contentOf(latest());
      const session = await approle.login(clientFrom(ready, "vault/0"), "approle", roleId!, secretId!);
      const charm = clientFrom(ready, "vault/0", session.token);
      // Issued outside any revision: the next rotation must take it away with the revision it replaces.
      const stray = await approle.generateSecretId(charm, "approle", CHARM_ROLE);
      await expect(approle.writeRole(charm, "approle", CHARM_ROLE, { tokenPolicies: ["root"], tokenTtl: "1h", tokenMaxTtl: "1h", tokenBoundCidrs: [], secretIdBoundCidrs: [] })).rejects.toBeInstanceOf(
        VaultPermissionDeniedError,
      );
      await expect(approle.readRoleId(charm, "approle", CHARM_ROLE)).rejects.toBeInstanceOf(VaultPermissionDeniedError);
      await revokeSelf(charm);
      expect(await live(CHARM_ROLE)).toContain(stray.accessor);
    });

    it("rotates monthly: the old secret-id works while a unit tracks its revision, and is refused once none does", async () => {
      const before = latest();
      const strays = (await live(CHARM_ROLE)).length - 1;
      expect(strays).toBe(1);
      // The leader writes the new revision in secret-rotate; its own secret-changed then waits.
      ready.sim.hold("vault/0", { after: "secret-rotate" });
      await ready.sim.advance(32 * DAY, false);
      const rotated = latest();
      expect(rotated).toBe(before + 1);
      expect(charmSecret().tracking["vault/0"]).toBe(before);
      const old = contentOf(before);
      expect(await loginWith(old)).toContain("juju-vault-charm");
      expect(await loginWith(rotated)).toContain("juju-vault-charm");
      expect(await live(CHARM_ROLE)).toHaveLength(3);

      await ready.sim.release("vault/0");
      expect(charmSecret().tracking["vault/0"]).toBe(rotated);
      expect(charmSecret().revisions.map((r) => r.revision)).toEqual([rotated]);
      await expect(loginWith(old)).rejects.toBeInstanceOf(VaultRequestError);
      expect(await loginWith(rotated)).toContain("juju-vault-charm");
      expect(await live(CHARM_ROLE)).toHaveLength(1); // the stray went with the old revision
      expect(ready.sim.unit("vault/0")).toMatchObject({ errorHook: null, status: { status: "active", message: "Unsealed (active)" } });
    });

    it(`keeps as many live secret-ids as live revisions over ${CYCLES} rotate/refresh/remove cycles, and every credential still logs in`, async () => {
      const first = latest();
      const consumer = () => secretLabelled("vault-kv-kv-consumer-0");
      const consumerFirst = consumer().revisions.at(-1)!.revision;
      for (let i = 0; i < CYCLES; i++) await ready.sim.advance(32 * DAY, false);
      expect(latest()).toBeGreaterThanOrEqual(first + CYCLES);
      expect(consumer().revisions.at(-1)!.revision).toBeGreaterThanOrEqual(consumerFirst + 8);
      expect(await live(CHARM_ROLE)).toHaveLength(charmSecret().revisions.length);
      expect(await live(CONSUMER_ROLE)).toHaveLength(consumer().revisions.length);
      expect(charmSecret().revisions).toHaveLength(1);
      expect(await loginWith(latest())).toContain("juju-vault-charm");
      await ready.sim.runHook("kv-consumer/0", "update-status");
      expect(ready.sim.unit("kv-consumer/0").status.message).toBe("Vault KV round trip ok: charm-kv-consumer-demo/kv-consumer-0/heartbeat");
      await ready.sim.runHook("vault/0", "update-status");
      expect(ready.sim.unit("vault/0")).toMatchObject({ errorHook: null, status: { status: "active" } });
    }, 900_000);

    it("revokes a revision Juju released while the charm had no Vault session, once it has one again", async () => {
      const consumer = secretLabelled("vault-kv-kv-consumer-0");
      const old = Object.fromEntries(Object.entries(consumer.revisions.at(-1)!.content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
      const consumerLogin = (c: Record<string, string>) => approle.login(clientFrom(ready, "kv-consumer/0"), "approle", c["role-id"]!, c["role-secret-id"]!);
      ready.sim.hold("kv-consumer/0");
      expect((await ready.sim.runAction("vault/0", "refresh-secrets", { unit: "kv-consumer/0" })).status).toBe("completed");
      const released = consumer.revisions.at(-2)!.revision;
      // The charm loses its session: its secret-id is destroyed behind its back, and the token it kept.
      for (const accessor of await live(CHARM_ROLE)) await approle.destroySecretIdByAccessor(ready.root, "approle", CHARM_ROLE, accessor);
      for (const accessor of await charmTokenAccessors(ready.root)) await ready.root.request("POST", "auth/token/revoke-accessor", { body: { accessor } });
      await ready.sim.release("kv-consumer/0");
      expect(ready.sim.unit("vault/0").status.message).toBe("Charm's Vault credentials were refused: run authorize-charm again");
      expect(consumer.removalNotified).toContain(released);
      expect(consumer.revisions.map((r) => r.revision)).toContain(released);
      expect((await consumerLogin(old)).policies).toContain(CONSUMER_ROLE);

      const token = ready.sim.addSecret("vault-token-again", { token: ready.rootToken });
      ready.sim.grantSecret("vault-token-again", "vault");
      expect((await ready.sim.runAction("vault/0", "authorize-charm", { "secret-id": token })).status).toBe("completed");
      expect(consumer.revisions.map((r) => r.revision)).not.toContain(released);
      await expect(consumerLogin(old)).rejects.toBeInstanceOf(VaultRequestError);
      expect(await live(CONSUMER_ROLE)).toHaveLength(consumer.revisions.length);
      expect(ready.sim.unit("vault/0").status.message).toBe("Unsealed (active)");
    });

    it("replaces a short-lived secret-id before it runs out: the newest revision always logs in", async () => {
      await ready.sim.setConfig("vault", { "charm-secret-id-ttl": "30s" });
      await ready.sim.advance(32 * DAY, false); // the next rotation issues one with the new lifetime
      const shortLived = latest();
      expect(await secretIdTtl((await live(CHARM_ROLE))[0]!)).toBe(30);
      const seen = new Set<number>();
      // Real time, as Vault counts it: 75 s is two and a half lifetimes.
      for (const deadline = Date.now() + 75_000; Date.now() < deadline; ) {
        await ready.sim.advance(0, false); // lets due secret-expired events run
        seen.add(latest());
        expect(await loginWith(latest())).toContain("juju-vault-charm");
        await new Promise((r) => setTimeout(r, 2_000));
      }
      expect(seen.size).toBeGreaterThanOrEqual(3);
      expect(Math.min(...seen)).toBe(shortLived);
      expect(await live(CHARM_ROLE)).toHaveLength(charmSecret().revisions.length);
      expect(ready.sim.unit("vault/0").errorHook).toBeNull();
    }, 180_000);
  });
}
