// When the leader looks for secret-ids that no record accounts for (src/strays.ts): only after a
// hook or action on the unit did not end cleanly (src/unfinished-hook.ts), and once an hour
// otherwise, so a converged update-status in between spends nothing on it. On a real server.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import { projectRoot } from "../sim/paths.js";
import { deployReadyVault, runHookKilledAtCall, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const ROLE = "charm-kv-consumer-demo-kv-consumer-0";
const impl = implementations().find((i) => i.name === "openbao" && i.bin) ?? implementations().find((i) => i.bin);

describe.skipIf(!impl)(`stray secret-ids on ${impl?.name ?? "no server"}`, () => {
  let ready: ReadyVault;
  const live = () => approle.listSecretIdAccessors(ready.root, "approle", ROLE);
  const vaultUnit = () => ready.sim.unit("vault/0");

  beforeAll(async () => {
    ready = await deployReadyVault(impl!.bin!, "stray-sweep-");
    await ready.sim.deploy(CONSUMER, { app: "kv-consumer" });
    await ready.sim.integrate("vault:vault-kv", "kv-consumer:vault");
    // This update-status takes the hour's periodic look; the next ones within the hour do not look.
    await ready.sim.runHook("vault/0", "update-status");
  }, 240_000);
  afterAll(async () => ready?.sim.destroy());

  it("leaves a converged update-status alone, and sweeps after a hook that was killed", async () => {
    const [kept] = await live();
    // What a killed hook leaves: a secret-id of the consumer's role that no record accounts for.
    const stray = await approle.generateSecretId(ready.root, "approle", ROLE);
    await ready.sim.runHook("vault/0", "update-status");
    expect((await live()).sort()).toEqual([kept, stray.accessor].sort());

    // A hook SIGKILLed at its third hook-tool call; resolved, Juju runs it again.
    await runHookKilledAtCall(ready, "vault/0", "config-changed", 3);
    expect(vaultUnit().errorHook).toBe("config-changed");
    await ready.sim.resolve("vault/0");
    await ready.sim.runHook("vault/0", "update-status");
    expect(await live()).toEqual([kept]);
    expect(vaultUnit().status.message).toBe("Unsealed (active)");
    // The sweep is done: the next stray waits for the next unfinished hook or the hourly look.
    const next = await approle.generateSecretId(ready.root, "approle", ROLE);
    await ready.sim.runHook("vault/0", "update-status");
    expect((await live()).sort()).toEqual([kept, next.accessor].sort());
  });

  it("sweeps after an action that failed, which exits 0 (a seal in authorize-charm, fault suite seed 21)", async () => {
    const charmIds = () => approle.listSecretIdAccessors(ready.root, "approle", "juju-vault-charm");
    const before = await charmIds();
    // What authorize-charm leaves when Vault is sealed between issuing and storing: a secret-id of
    // the charm's role in no revision. Its failure is an action message; the hook exits 0.
    const stray = await approle.generateSecretId(ready.root, "approle", "juju-vault-charm");
    await ready.sim.runHook("vault/0", "update-status");
    expect(await charmIds()).toContain(stray.accessor);
    const failed = await ready.sim.runAction("vault/0", "authorize-charm", { "secret-id": "secret:d0es0not0exist0000000" });
    expect(failed.status).toBe("failed");
    expect(vaultUnit().errorHook).toBeNull();
    await ready.sim.runHook("vault/0", "update-status");
    expect((await charmIds()).sort()).toEqual(before.sort());
  });
});
