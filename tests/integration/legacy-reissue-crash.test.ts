// Issue 16, from the fault suite's full run: a legacy reissue killed between issuing the new wrapped
// secret-id and exiting. Juju commits relation data only when a hook exits 0, so the consumer keeps
// the old token; the secret-id it holds must still work. The charm used to destroy the replaced
// secret-ids in the issuing hook itself (the consumer was left with a dead one); it now revokes them
// in the next leader hook, once the new token is committed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { legacyRoleName } from "../../src/relations/vault-kv/naming.js";
import { listSecretIdAccessors } from "../../src/vault/approle.js";
import { sealStatus } from "../../src/vault/sys.js";
import { projectRoot } from "../sim/paths.js";
import { deployReadyVault, jsonValue, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const APP = "kvl";
const UNIT = `${APP}/0`;
const ROLE = legacyRoleName(UNIT, "charm-");
/** A second legacy application, served after kvl (its relation is the later one). */
const LATER_APP = "kvm";
const CONSUMER_UNITS = [UNIT, `${APP}/1`, `${LATER_APP}/0`];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`a legacy reissue killed before it commits on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;
    let stopPump: () => void = () => undefined;
    const dataDir = () => ready.sim.unit("vault/0").dataDir;
    const live = () => listSecretIdAccessors(ready.root, "approle", ROLE);
    const published = () => jsonValue(ready.sim.model.relations.find((r) => r.ends.some((e) => e.app === APP))!.unitData["vault/0"], `${UNIT}_token`);
    const statusOf = (unit: string) => `${ready.sim.unit(unit).status.status} ${ready.sim.unit(unit).status.message}`;
    const consumerStatus = () => statusOf(UNIT);
    /** Every consumer unit passes its round trip, and holds exactly one live secret-id. */
    async function expectEveryConsumerServed(): Promise<void> {
      for (const unit of CONSUMER_UNITS) {
        expect(statusOf(unit), unit).toMatch(/^active Vault KV round trip ok/);
        expect(await listSecretIdAccessors(ready.root, "approle", legacyRoleName(unit, "charm-")), unit).toHaveLength(1);
      }
    }

    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "legacy-reissue-crash-");
      // Vault restarted by systemd asks for the charm at once (ExecStartPost -> juju-exec), as on a real unit.
      stopPump = ready.sim.runJujuExecPromptly(50);
      // Two units and a second application: a fault after one unit's reissue leaves others to serve.
      await ready.sim.deploy(CONSUMER, { app: APP, units: 2, config: { dialect: "legacy", backend: "charm-kvl" } });
      await ready.sim.integrate("vault:secrets", `${APP}:vault`);
      await ready.sim.deploy(CONSUMER, { app: LATER_APP, config: { dialect: "legacy", backend: "charm-kvm" } });
      await ready.sim.integrate("vault:secrets", `${LATER_APP}:vault`);
      for (const unit of CONSUMER_UNITS) expect(statusOf(unit), unit).toMatch(/^active Vault KV round trip ok/);
      // The dispatch runs under a shell that notes its pid, so the test can SIGKILL the action itself.
      ready.sim.hookWrapper = ["sh", "-c", 'echo $$ > "$VAULT_CHARM_SIM_ROOT/hook.pid"; exec "$@"', "hook"];
    }, 300_000);
    afterAll(async () => {
      stopPump();
      await ready?.sim.destroy();
    });

    /** refresh-secrets with `fault` run at the moment vault/0 logs `line` (by default, kvl/0's new secret-id issued). */
    async function refreshWithFault(unit: string, fault: () => void, line = `issued credentials for ${unit} `): Promise<boolean> {
      let faulted = false;
      ready.sim.observeToolCalls((caller, _name, _calls, last) => {
        if (caller !== "vault/0" || faulted || last.tool !== "juju-log" || !last.args.join(" ").includes(line)) return;
        faulted = true;
        fault();
      });
      try {
        await ready.sim.runAction("vault/0", "refresh-secrets", {});
      } finally {
        ready.sim.observeToolCalls(null);
      }
      return faulted;
    }

    /** What an operator does, then every unit's next update-status (the leader's first). */
    async function recover(): Promise<void> {
      for (let i = 0; i < 100 && !(await sealStatus(ready.root).then(() => true, () => false)); i++) await sleep(100);
      await ready.sim.settle();
      for (const unit of Object.values(ready.sim.model.units)) if (unit.errorHook) await ready.sim.resolve(unit.name);
      for (const unit of ["vault/0", ...CONSUMER_UNITS]) await ready.sim.runHook(unit, "update-status");
    }

    it("SIGKILL of the action right after issuing leaves the consumer's secret-id working", async () => {
      const before = await live();
      expect(before).toHaveLength(1);
      const token = published();
      const killed = await refreshWithFault(UNIT, () => process.kill(Number(readFileSync(join(dataDir(), "hook.pid"), "utf8")), "SIGKILL"));
      expect(killed).toBe(true);
      expect(Object.values(ready.sim.model.actions).at(-1)!.status).toBe("failed");
      // Nothing the action wrote was committed: the relation shows the old token, and the secret-id
      // behind it is alive (on main it had already been destroyed here).
      expect(published()).toBe(token);
      expect(await live()).toEqual(expect.arrayContaining(before));
      await recover();
      await expectEveryConsumerServed();
      // The secret-id the killed action issued was recorded nowhere: the leader's audit removed it.
      expect(await live()).toEqual(before);
    }, 180_000);

    for (const unit of [UNIT, `${APP}/1`]) {
      it(`SIGKILL of Vault right after ${unit}'s reissue leaves every consumer's credentials working`, async () => {
        const vaultPid = Number(readFileSync(join(dataDir(), "run", "vault.pid"), "utf8"));
        expect(await refreshWithFault(unit, () => process.kill(vaultPid, "SIGKILL"))).toBe(true);
        // The action fails (action-fail, exit 0) at the next unit's Vault request: for kvl/0 within
        // its relation, for kvl/1 at kvm's, after kvl's relation was served.
        expect(Object.values(ready.sim.model.actions).at(-1)!.status).toBe("failed");
        await recover();
        expect(ready.sim.unit("vault/0").status.message).toBe("Unsealed (active)");
        await expectEveryConsumerServed();
      }, 180_000);
    }

    it("an action serving consumers twice (its handler, then the hook's reconcile) revokes nothing it replaced itself", async () => {
      const before = await live();
      expect(before).toHaveLength(1);
      // Killed the moment it would revoke kvl/0's replaced secret-id: that must not happen in the
      // action that published the new token (uncommitted until it exits). Unfaulted, it completes.
      const hookPid = () => Number(readFileSync(join(dataDir(), "hook.pid"), "utf8"));
      await refreshWithFault(UNIT, () => process.kill(hookPid(), "SIGKILL"), `secret-id(s) of ${UNIT} replaced by`);
      if (Object.values(ready.sim.model.actions).at(-1)!.status !== "completed") expect(await live()).toEqual(expect.arrayContaining(before));
      await recover();
      await expectEveryConsumerServed();
    }, 180_000);

    it("an uninterrupted reissue revokes the replaced secret-id in the next leader hook", async () => {
      const before = await live();
      expect(before).toHaveLength(1);
      const token = published();
      await ready.sim.runAction("vault/0", "refresh-secrets", {});
      expect(Object.values(ready.sim.model.actions).at(-1)!.status).toBe("completed");
      expect(published()).not.toBe(token);
      await ready.sim.settle();
      expect(consumerStatus()).toMatch(/^active Vault KV round trip ok/);
      // One leader hook later (any hook: update-status here) the old one is gone, the new one stays.
      await ready.sim.runHook("vault/0", "update-status");
      const after = await live();
      expect(after).toHaveLength(1);
      expect(after).not.toEqual(before);
      for (const unit of CONSUMER_UNITS) await ready.sim.runHook(unit, "update-status");
      await expectEveryConsumerServed();
    }, 180_000);
  });
}
