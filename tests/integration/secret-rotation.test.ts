// v0 consumer credentials on their rotation schedule, through the simulator's clock on a real
// server: rotate -> the consumer still on the old revision keeps working -> it refreshes ->
// secret-remove -> the old secret-id is refused; and no secret-id leaks over many cycles.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { VaultRequestError } from "../../src/vault/errors.js";
import { projectRoot } from "../sim/paths.js";
import { clientFrom, deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const ROLE = "charm-kv-consumer-demo-kv-consumer-0";
const DAY = 86_400_000;
const CYCLES = 100;

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`v0 credential rotation on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;
    const secret = () => Object.values(ready.sim.model.secrets).find((s) => s.label === "vault-kv-kv-consumer-0")!;
    const revisionContent = (revision: number) =>
      Object.fromEntries(Object.entries(secret().revisions.find((r) => r.revision === revision)!.content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
    const loginWith = (content: Record<string, string>) => approle.login(clientFrom(ready, "kv-consumer/0"), "approle", content["role-id"]!, content["role-secret-id"]!);

    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "rotation-");
      await ready.sim.deploy(CONSUMER, { app: "kv-consumer" });
      await ready.sim.integrate("vault:vault-kv", "kv-consumer:vault");
      // Weekly, so each cycle below is one rotation. Juju keeps the rotation already scheduled when
      // a secret goes from one rotating policy to another (secretsmanager updateSecret): the monthly
      // one comes first, and the weekly schedule counts from it.
      const monthlyDue = secret().nextRotateAt;
      await ready.sim.setConfig("vault", { "credential-rotation": "weekly" });
      expect(secret()).toMatchObject({ rotatePolicy: "weekly", nextRotateAt: monthlyDue });
      await ready.sim.advance(32 * DAY, false);
      await ready.sim.runAction("vault/0", "refresh-secrets", { unit: "kv-consumer/0" });
    }, 240_000);
    afterAll(async () => ready?.sim.destroy());

    it("keeps the old credential working while the consumer is on it, and revokes it once untracked", async () => {
      expect(secret().rotatePolicy).toBe("weekly");
      // A slow consumer: its secret-changed waits, so it stays on the old revision for a while.
      const before = secret().revisions.at(-1)!.revision;
      ready.sim.hold("kv-consumer/0");
      await ready.sim.advance(8 * DAY, false);
      const rotated = secret().revisions.at(-1)!.revision;
      expect(rotated).toBe(before + 1);
      expect(secret().tracking["kv-consumer/0"]).toBe(before);
      expect((await loginWith(revisionContent(before))).policies).toContain(ROLE);
      expect((await loginWith(revisionContent(rotated))).policies).toContain(ROLE);
      const old = revisionContent(before);
      await ready.sim.release("kv-consumer/0");
      expect(secret().tracking["kv-consumer/0"]).toBe(rotated);
      expect(secret().revisions.map((r) => r.revision)).toEqual([rotated]);
      await expect(loginWith(old)).rejects.toBeInstanceOf(VaultRequestError);
      expect(ready.sim.unit("kv-consumer/0").status.status).toBe("active");
    });

    it(`leaks no secret-id over ${CYCLES} rotate/refresh/remove cycles, and the consumer can still log in`, async () => {
      for (let i = 0; i < CYCLES; i++) await ready.sim.advance(8 * DAY, false);
      const live = await approle.listSecretIdAccessors(ready.root, "approle", ROLE);
      expect(live).toHaveLength(secret().revisions.length);
      expect(secret().revisions).toHaveLength(1);
      expect((await loginWith(revisionContent(secret().revisions[0]!.revision))).policies).toContain(ROLE);
      await ready.sim.runHook("kv-consumer/0", "update-status");
      expect(ready.sim.unit("kv-consumer/0").status.message).toBe("Vault KV round trip ok: charm-kv-consumer-demo/kv-consumer-0/heartbeat");
      expect(ready.sim.unit("vault/0").errorHook).toBeNull();
    }, 600_000);
  });
}
