// Juju applies secret-remove when the hook commits, and removing a secret that is already gone fails
// that commit: the hook errors and Juju retries it for ever (runner/context/context.go RemoveSecret,
// doFlush; the simulator does the same, tests/simulator/juju-rules.test.ts). A secret-remove event
// for an old revision can still be queued when the whole secret goes (its consumer left first):
// the charm must then remove nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../sim/paths.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

const CONSUMER = join(projectRoot(), "examples", "kv-consumer");
const impl = implementations().find((i) => i.name === "openbao" && i.bin) ?? implementations().find((i) => i.bin);

describe.skipIf(!impl)(`secret-remove for a secret already removed${impl ? ` on ${impl.name}` : " (no server binary: skipped)"}`, () => {
  let ready: ReadyVault;
  beforeAll(async () => {
    ready = await deployReadyVault(impl!.bin!, "remove-once-");
    await ready.sim.deploy(CONSUMER, { app: "kv-consumer", units: 2 });
    await ready.sim.integrate("vault:vault-kv", "kv-consumer:vault");
  }, 240_000);
  afterAll(async () => ready?.sim.destroy());

  it("removes nothing when the secret went before its revision's secret-remove ran: no failed commit", async () => {
    const { sim } = ready;
    const label = "vault-kv-kv-consumer-1";
    const secret = () => Object.values(sim.model.secrets).find((s) => s.label === label);
    expect(secret()).toBeDefined();
    // A new revision; the consumer refreshes, so Juju queues secret-remove of the old one for the
    // leader, which is busy (held) and gets the consumer's departure queued behind it.
    sim.hold("kv-consumer/1");
    expect((await sim.runAction("vault/0", "refresh-secrets", { unit: "kv-consumer/1" })).status).toBe("completed");
    sim.hold("vault/0");
    await sim.release("kv-consumer/1");
    const removal = sim.model.queue.find((q) => q.unit === "vault/0" && q.event.kind === "hook" && q.event.name === "secret-remove");
    expect(removal, "secret-remove queued for the leader").toBeDefined();
    await sim.removeUnit("kv-consumer/1");
    // Juju may deliver the departure first: put the secret-remove last.
    sim.model.queue.splice(sim.model.queue.indexOf(removal!), 1);
    sim.model.queue.push(removal!);
    await sim.release("vault/0");
    expect(secret()).toBeUndefined();
    expect(sim.unit("vault/0").errorHook).toBeNull();
    const ran = sim.runs.filter((r) => r.unit === "vault/0");
    expect(ran.at(-1)).toMatchObject({ name: "secret-remove", exitCode: 0 });
    expect(readFileSync(join(sim.paths.logs, "vault-0.log"), "utf8")).toContain("the secret was already removed");
  }, 240_000);
});
