// The simulator's own tests: it must behave like Juju as documented (juju-runtime.md), including
// its refusals, or tests that pass through it prove nothing. A small shell charm (tests/sim/testcharm)
// records every event it sees on its machine and drives the hook tools through the real client.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Sim, SimError, unitAddress } from "../sim/controller.js";
import { projectRoot } from "../sim/paths.js";

const TEST_CHARM = join(projectRoot(), "tests", "sim", "testcharm");
let sim: Sim;

function events(unit: string): string[] {
  const file = join(sim.unit(unit).dataDir, "events.log");
  return readFileSync(file, "utf8").trim().split("\n");
}

const names = (unit: string) => events(unit).map((line) => line.split(" ")[0]!.replace(/^hooks\//, ""));

beforeEach(async () => {
  sim = await Sim.open(mkdtempSync(join(tmpdir(), "sim-test-")));
});

afterEach(async () => {
  await sim.destroy();
});

describe("event order", () => {
  it("starts units in Juju's order and introduces peers to each other", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe", units: 2 });
    expect(names("probe/0")).toEqual(["install", "ring-relation-created", "leader-elected", "config-changed", "start", "ring-relation-joined", "ring-relation-changed"]);
    // probe/1 joins first; probe/0's write in its own relation-changed is a change probe/1 already
    // sees, so probe/1 gets a second relation-changed. probe/1's write came before probe/0 joined,
    // so probe/0's first relation-changed already shows it: no extra event (Juju coalesces).
    expect(names("probe/1")).toEqual(["install", "ring-relation-created", "leader-settings-changed", "config-changed", "start", "ring-relation-joined", "ring-relation-changed", "ring-relation-changed"]);
    expect(events("probe/1")[5]).toContain("remote=probe/0");
    expect(sim.model.apps.probe!.leader).toBe("probe/0");
  });

  it("runs created, joined and changed on both sides of an integration, and changed again when data moves", async () => {
    await sim.deploy(TEST_CHARM, { app: "provider" });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    await sim.integrate("provider:out", "consumer:in");
    const provider = names("provider/0").slice(5);
    expect(provider.slice(0, 3)).toEqual(["out-relation-created", "out-relation-joined", "out-relation-changed"]);
    // The consumer wrote its greeting in relation-changed: the provider sees that as another change.
    expect(provider.filter((n) => n === "out-relation-changed").length).toBeGreaterThanOrEqual(2);
    const rel = sim.model.relations.find((r) => r.interface === "probe")!;
    const address = sim.unit("consumer/0").address;
    expect(address).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(address).not.toBe(sim.unit("provider/0").address);
    expect(rel.unitData["consumer/0"]).toEqual({ greeting: "hello", "ingress-address": address, "private-address": address, "egress-subnets": `${address}/32` });
  });

  it("moves leadership when the leader's lease is lost: leader-elected on the new one, refusals on the old", async () => {
    await sim.deploy(TEST_CHARM, { app: "provider", units: 2 });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    await sim.integrate("provider:out", "consumer:in");
    sim.hold("provider/0");
    await sim.transferLeadership("provider", "provider/1");
    expect(sim.model.apps.provider!.leader).toBe("provider/1");
    expect(names("provider/1").at(-1)).toBe("leader-elected");
    // The former leader's queued hooks run as a non-leader: app data is refused to it now.
    await sim.release("provider/0");
    const refused = await sim.runAction("provider/0", "set-app-data");
    expect(refused.status).toBe("failed");
    expect((await sim.runAction("provider/1", "set-app-data")).status).toBe("completed");
    await expect(sim.transferLeadership("provider", "provider/7")).rejects.toThrow(/not an alive unit/);
  });

  it("departs, breaks, stops and removes a unit, and elects a new leader", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe", units: 2 });
    await sim.removeUnit("probe/0");
    expect(events("probe/1").some((e) => e.startsWith("hooks/ring-relation-departed remote=probe/0 departing=probe/0"))).toBe(true);
    expect(names("probe/1")).toContain("leader-elected");
    expect(sim.model.apps.probe!.leader).toBe("probe/1");
    expect(sim.model.units["probe/0"]).toBeUndefined();
  });
});

describe("slow agents", () => {
  it("holds a unit's events in order until it is released, while other units go on", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe", units: 2 });
    sim.hold("probe/1");
    await sim.runHook("probe/1", "update-status");
    await sim.runHook("probe/0", "update-status");
    expect(names("probe/0").at(-1)).toBe("update-status");
    expect(names("probe/1")).not.toContain("update-status");
    await sim.release("probe/1");
    expect(names("probe/1").at(-1)).toBe("update-status");
  });

  // Not Juju: bench/scale.ts's way to bring a charm whose every hook serves every unit to a fleet of
  // 1,000 (`--fleet-at-once`). Juju would run all six hooks; this checks the shortcut does only what
  // it says, so the figures it gives are of one relation-changed that sees the whole fleet.
  it("the scale benchmark's baseline shortcut (not Juju): a held unit meets a whole fleet in one relation-changed", async () => {
    await sim.deploy(TEST_CHARM, { app: "provider" });
    sim.hold("provider/0");
    await sim.deploy(TEST_CHARM, { app: "consumer", units: 3 });
    await sim.integrate("provider:out", "consumer:in");
    expect(() => sim.skipQueuedRelationHooks("consumer/0")).toThrow(/not held/);
    expect(sim.skipQueuedRelationHooks("provider/0")).toBe(5);
    await sim.release("provider/0");
    expect(names("provider/0").slice(5)).toEqual(["out-relation-created", "out-relation-changed"]);
    expect(events("provider/0").at(-1)).toContain("remote=consumer/2");
    const rel = sim.model.relations.find((r) => r.interface === "probe")!;
    expect(rel.scope["provider/0"]?.sort()).toEqual(["consumer/0", "consumer/1", "consumer/2"]);
  });
});

describe("hook failure", () => {
  it("drops every write of a failed hook, holds the unit, and retries on resolve", async () => {
    await sim.deploy(TEST_CHARM, { app: "provider" });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    await sim.integrate("provider:out", "consumer:in");
    const rel = sim.model.relations.find((r) => r.interface === "probe")!;
    await sim.setConfig("consumer", { "fail-on": "config-changed", greeting: "changed" });
    const unit = sim.unit("consumer/0");
    expect(unit.errorHook).toBe("config-changed");
    expect(unit.state["half-done"]).toBeUndefined();
    expect(rel.unitData["consumer/0"]!["half-done"]).toBeUndefined();
    // Held: a later event waits behind the failed hook.
    await sim.runHook("consumer/0", "update-status");
    expect(names("consumer/0").at(-1)).toBe("config-changed");
    await sim.setConfig("consumer", { "fail-on": "" });
    await sim.resolve("consumer/0");
    expect(sim.unit("consumer/0").errorHook).toBeNull();
    expect(names("consumer/0").slice(-3)).toEqual(["config-changed", "update-status", "config-changed"]);
  });
});

describe("unit addresses", () => {
  it("fills the model's /16 from its random /24 on, wrapping past .255, and refuses beyond it", () => {
    expect(unitAddress("127.9.254.", 0)).toBe("127.9.254.2");
    expect(unitAddress("127.9.254.", 252)).toBe("127.9.254.254");
    expect(unitAddress("127.9.254.", 253)).toBe("127.9.255.2");
    expect(unitAddress("127.9.254.", 2 * 253)).toBe("127.9.0.2");
    const thousand = new Set(Array.from({ length: 1000 }, (_, i) => unitAddress("127.9.255.", i)));
    expect(thousand.size).toBe(1000);
    expect(() => unitAddress("127.9.254.", 256 * 253)).toThrow(SimError);
  });
});

describe("refusals", () => {
  it("refuses config values of the wrong type before any hook runs", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe" });
    const before = events("probe/0").length;
    await expect(sim.setConfig("probe", { count: "many" })).rejects.toThrow('option "count" expected int');
    await expect(sim.setConfig("probe", { nope: "1" })).rejects.toThrow('unknown option "nope"');
    expect(events("probe/0").length).toBe(before);
  });

  it("validates action parameters against actions.yaml", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe" });
    await expect(sim.runAction("probe/0", "echo", {})).rejects.toThrow('missing required property "text"');
    await expect(sim.runAction("probe/0", "echo", { text: "x", other: 1 })).rejects.toThrow("additional property");
    await expect(sim.runAction("probe/0", "nope")).rejects.toThrow('action "nope" not defined');
    await expect(sim.runAction("probe/9", "echo", { text: "x" })).rejects.toThrow(SimError);
  });

  it("lets only the leader write the application databag", async () => {
    await sim.deploy(TEST_CHARM, { app: "provider", units: 2 });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    await sim.integrate("provider:out", "consumer:in");
    const refused = await sim.runAction("provider/1", "set-app-data");
    expect(refused.status).toBe("failed");
    expect(String(refused.results.stderr)).toContain("ERROR cannot write relation settings");
    const allowed = await sim.runAction("provider/0", "set-app-data");
    expect(allowed.status).toBe("completed");
    expect(sim.model.relations.find((r) => r.interface === "probe")!.appData.provider).toEqual({ "app-key": "set" });
  });

  it("refuses a relation the unit is not in", async () => {
    await sim.deploy(TEST_CHARM, { app: "provider" });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    await sim.deploy(TEST_CHARM, { app: "other" });
    const rel = await sim.integrate("provider:out", "consumer:in");
    const inside = await sim.runAction("consumer/0", "relation-get", { relation: `in:${rel.id}`, unit: "provider/0" });
    expect(inside.results.data).toContain("greeting: hello");
    const outside = await sim.runAction("other/0", "relation-get", { relation: `in:${rel.id}`, unit: "provider/0" });
    expect(outside.status).toBe("failed");
    expect(String(outside.results.stderr)).toContain(`ERROR invalid value "in:${rel.id}" for flag -r: relation not found`);
  });

  it("refuses secret keys Juju refuses", async () => {
    await sim.deploy(TEST_CHARM, { app: "provider" });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    await sim.integrate("provider:out", "consumer:in");
    for (const key of ["AB", "Upper", "no_underscore", "-dash"]) {
      const record = await sim.runAction("provider/0", "add-secret", { key });
      expect(record.status, key).toBe("failed");
      expect(String(record.results.stderr)).toMatch(/ERROR/);
    }
    expect(Object.values(sim.model.secrets)).toHaveLength(0);
    expect(() => sim.addSecret("user", { Bad: "x" })).toThrow("invalid secret key");
  });
});

describe("actions", () => {
  it("nests dotted results, logs progress and reports action-fail as failed", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe" });
    const echo = await sim.runAction("probe/0", "echo", { text: "hi there" });
    expect(echo.status).toBe("completed");
    expect(echo.results.nested).toEqual({ text: "hi there" });
    const fail = await sim.runAction("probe/0", "fail");
    expect(fail.status).toBe("failed");
    expect(fail.message).toBe("asked to fail");
    expect(fail.log).toEqual(["about to fail"]);
  });
});

describe("secret revisions", () => {
  async function shareSecret(options: { providerUnits?: number; params?: Record<string, string> } = {}): Promise<string> {
    await sim.deploy(TEST_CHARM, { app: "provider", units: options.providerUnits ?? 1 });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    await sim.integrate("provider:out", "consumer:in");
    const added = await sim.runAction("provider/0", "add-secret", { value: "one", ...options.params });
    expect(added.status).toBe("completed");
    return String(added.results.uri);
  }

  it("sends secret-changed to an observer behind the latest revision and secret-remove once nobody tracks the old one", async () => {
    await shareSecret();
    const seen = () => readFileSync(join(sim.unit("consumer/0").dataDir, "secret-seen"), "utf8").trim();
    expect(seen()).toBe("token: one");
    const secret = Object.values(sim.model.secrets)[0]!;
    expect(secret.tracking["consumer/0"]).toBe(1);

    expect((await sim.runAction("provider/0", "bump-secret", { value: "two" })).status).toBe("completed");
    expect(names("consumer/0")).toContain("secret-changed");
    expect(seen()).toBe("token: two"); // refreshed
    expect(secret.tracking["consumer/0"]).toBe(2);
    expect(events("provider/0").some((e) => e.startsWith("hooks/secret-remove") && e.endsWith("secret=1"))).toBe(true);
  });

  it("keeps an observer that peeks on its old revision, so no secret-remove is sent", async () => {
    await shareSecret();
    sim.unit("consumer/0").state["secret-mode"] = "peek";
    await sim.runAction("provider/0", "bump-secret", { value: "two" });
    const secret = Object.values(sim.model.secrets)[0]!;
    expect(readFileSync(join(sim.unit("consumer/0").dataDir, "secret-seen"), "utf8").trim()).toBe("token: two");
    expect(secret.tracking["consumer/0"]).toBe(1);
    expect(names("provider/0")).not.toContain("secret-remove");
  });

  it("refuses to show a secret to an application it was not granted to", async () => {
    const uri = await shareSecret();
    await sim.deploy(TEST_CHARM, { app: "stranger" });
    const refused = await sim.runAction("stranger/0", "read-secret", { uri });
    expect(refused.status).toBe("failed");
    expect(String(refused.results.stderr)).toContain("ERROR permission denied");
    const granted = await sim.runAction("consumer/0", "read-secret", { uri });
    expect(granted.results.token).toBe("one");
  });
});

describe("secret lifecycle as Juju drives it", () => {
  const MINUTE = 60_000;
  async function shareSecret(params: Record<string, string>, providerUnits = 1) {
    await sim.deploy(TEST_CHARM, { app: "provider", units: providerUnits });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    await sim.integrate("provider:out", "consumer:in");
    expect((await sim.runAction("provider/0", "add-secret", { value: "one", ...params })).status).toBe("completed");
    return Object.values(sim.model.secrets)[0]!;
  }
  const count = (unit: string, hook: string) => names(unit).filter((n) => n === hook).length;

  it("has the owner's own units track revisions: one behind gets secret-changed and holds its revision until it refreshes", async () => {
    const secret = await shareSecret({}, 2);
    expect(secret.tracking["provider/0"]).toBeUndefined(); // writing is not reading
    expect((await sim.runAction("provider/1", "read-own")).status).toBe("completed");
    expect(secret.tracking["provider/1"]).toBe(1);

    sim.hold("provider/1");
    await sim.runAction("provider/0", "bump-secret", { value: "two" });
    expect(secret.tracking["consumer/0"]).toBe(2);
    expect(names("provider/0")).not.toContain("secret-remove");
    await sim.release("provider/1");
    expect(events("provider/1").filter((e) => e.startsWith("hooks/secret-changed"))).toHaveLength(1);
    expect(secret.tracking["provider/1"]).toBe(2);
    expect(readFileSync(join(sim.unit("provider/1").dataDir, "secret-seen"), "utf8").trim()).toBe("token: two");
    expect(events("provider/0").filter((e) => e.startsWith("hooks/secret-remove"))).toEqual([expect.stringMatching(/secret=1$/)]);
  });

  it("can hold a unit right after a given hook, leaving its next events queued until released", async () => {
    const secret = await shareSecret({ rotate: "hourly" });
    expect((await sim.runAction("provider/0", "read-own")).status).toBe("completed");
    sim.unit("provider/0").state["on-rotate"] = "new-revision";
    sim.hold("provider/0", { after: "secret-rotate" });
    await sim.advance(61 * MINUTE, false);
    // The owner wrote revision 2 in secret-rotate; its own secret-changed waits, so it still tracks 1.
    expect(names("provider/0").at(-1)).toBe("secret-rotate");
    expect(secret.revisions.map((r) => r.revision)).toEqual([1, 2]);
    expect(secret.tracking["provider/0"]).toBe(1);
    await sim.release("provider/0");
    expect(names("provider/0").slice(-2)).toEqual(["secret-changed", "secret-remove"]);
    expect(secret.tracking["provider/0"]).toBe(2);
  });

  it("rotates on the policy's schedule and, when no revision was written, tries again five minutes later", async () => {
    const secret = await shareSecret({ rotate: "hourly" });
    await sim.advance(59 * MINUTE, false);
    expect(count("provider/0", "secret-rotate")).toBe(0);
    await sim.advance(2 * MINUTE, false);
    expect(count("provider/0", "secret-rotate")).toBe(1);
    expect(secret.revisions).toHaveLength(1);
    await sim.advance(4 * MINUTE, false);
    expect(count("provider/0", "secret-rotate")).toBe(1);
    await sim.advance(2 * MINUTE, false);
    expect(count("provider/0", "secret-rotate")).toBe(2);

    sim.unit("provider/0").state["on-rotate"] = "new-revision";
    const retryAt = Date.parse(secret.nextRotateAt!);
    await sim.advance(6 * MINUTE, false);
    expect(count("provider/0", "secret-rotate")).toBe(3);
    expect(secret.revisions.at(-1)!.revision).toBe(2);
    // A rotation done: the next is one period after the time that was due.
    expect(Date.parse(secret.nextRotateAt!)).toBe(retryAt + 60 * MINUTE);
  });

  it("expires each revision at its own --expire time, repeating secret-expired until the revision is removed", async () => {
    const secret = await shareSecret({ expire: "1h" });
    expect(Date.parse(secret.revisions[0]!.expireAt!) - sim.model.clockOffsetMs - Date.now()).toBeGreaterThan(59 * MINUTE);
    await sim.runAction("provider/0", "bump-secret", { value: "two" }); // no --expire: never expires
    expect(secret.revisions[1]!.expireAt).toBeUndefined();

    await sim.advance(61 * MINUTE, false);
    expect(events("provider/0").filter((e) => e.startsWith("hooks/secret-expired"))).toEqual([expect.stringMatching(/secret=1$/)]);
    await sim.advance(6 * MINUTE, false);
    expect(count("provider/0", "secret-expired")).toBe(2);
    expect((await sim.runAction("provider/0", "remove-revision", { revision: 1 })).status).toBe("completed");
    await sim.advance(60 * MINUTE, false);
    expect(count("provider/0", "secret-expired")).toBe(2);
    expect(secret.revisions.map((r) => r.revision)).toEqual([2]);
  });
});
