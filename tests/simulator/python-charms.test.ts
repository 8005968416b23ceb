// Third-party charms in the simulator, deployed unchanged: one written with the Python `ops`
// library (charmcraft's layout: dispatch, src/, lib/, venv/) and an older one with hooks/ and
// actions/ executables using charm-helpers' hookenv. Both run install, relation, secret and action
// hooks, and every hook-tool call they make must succeed: the simulator accepts the flag forms
// Juju's tools do (jujuc/<tool>.go), as the libraries use them. The libraries come from PyPI
// (tests/sim/python-charm-libs.sh, run by .ci/run), cached outside the repo by version.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRunArgs } from "../sim/action-params.js";
import { Sim } from "../sim/controller.js";
import { cacheRoot, projectRoot } from "../sim/paths.js";

const OPS_VERSION = "3.9.0";
const CHARMHELPERS_VERSION = "1.2.1";
const venv = join(cacheRoot(), `charm-python-ops-${OPS_VERSION}-charmhelpers-${CHARMHELPERS_VERSION}`);
const sitePackages = existsSync(join(venv, "lib")) ? readdirSync(join(venv, "lib")).map((d) => join(venv, "lib", d, "site-packages")).find((d) => existsSync(join(d, "ops"))) : undefined;
const FIXTURES = join(projectRoot(), "tests", "sim", "pycharms");

/** The charm directory as charmcraft would pack it: the source plus venv/ holding its dependencies. */
function stage(name: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), `${name}-`)), name);
  cpSync(join(FIXTURES, name), dir, { recursive: true, verbatimSymlinks: true });
  if (!sitePackages) throw new Error(`no ops/charm-helpers venv at ${venv}: run tests/sim/python-charm-libs.sh`);
  symlinkSync(sitePackages, join(dir, "venv"));
  return dir;
}

const decode = (value: string) => Buffer.from(value, "base64").toString();

// Skipped visibly where the libraries are not installed; CI (.ci/run installs them) never skips.
describe.skipIf(!sitePackages && !process.env.CI)(`Python charms (ops ${OPS_VERSION}, charm-helpers ${CHARMHELPERS_VERSION})${sitePackages ? "" : ": run tests/sim/python-charm-libs.sh first (skipped)"}`, () => {
  let sim: Sim;
  const failedTools = () => sim.runs.flatMap((r) => r.toolCalls.filter((c) => c.code !== 0).map((c) => `${r.unit} ${r.name}: ${c.tool} ${c.args.join(" ")} -> ${c.code}`));
  const failedHooks = () => sim.runs.filter((r) => r.exitCode !== 0).map((r) => `${r.unit} ${r.name}`);
  /** The end of a unit's log (its hooks' stderr included), to show why a hook failed. */
  const logTail = (unit: string) => readFileSync(join(sim.paths.logs, `${unit.replace("/", "-")}.log`), "utf8").slice(-4000);
  const bag = (relationId: number, member: string) => sim.model.relations.find((r) => r.id === relationId)!.unitData[member] ?? {};

  beforeAll(async () => {
    sim = await Sim.open(mkdtempSync(join(tmpdir(), "sim-python-")));
  });
  afterAll(async () => sim?.destroy());

  it("runs an ops charm's install, relation, secret and action hooks with every hook tool answering", async () => {
    await sim.deploy(stage("ops-probe"), { app: "provider", units: 2 });
    await sim.deploy(stage("ops-probe"), { app: "consumer" });
    const rel = await sim.integrate("provider:db", "consumer:upstream");
    expect(failedHooks(), logTail("provider/0") + logTail("consumer/0")).toEqual([]);
    expect(failedTools()).toEqual([]);
    // src/ and lib/ were deployed (the import of lib/probe_lib worked) and the peers greeted.
    const peer = sim.model.relations.find((r) => r.ends.length === 1 && r.ends[0]!.app === "provider")!;
    expect(peer.unitData["provider/1"]).toMatchObject({ greeting: "hello from provider/1" });
    expect(sim.model.apps.provider!.workloadVersion).toBe("1.0");
    expect(sim.unit("provider/0").status).toMatchObject({ status: "active", message: "greeting hello, count 2" });
    // The leader's app secret, granted over the relation, read by the consumer.
    expect(bag(rel.id, "consumer/0")).toMatchObject({ "seen-token": "first-token", "remote-units": "provider/0,provider/1" });
    expect(bag(rel.id, "provider/1").address).toBe(sim.unit("provider/1").address);

    const shared = await sim.runAction("provider/0", "share", parseRunArgs(["count=3", "flag=true", 'data={"a": 1}']));
    expect(shared.status, shared.message).toBe("completed");
    expect(shared.results).toMatchObject({ count: "6", "secret-label": "shared-token", "secret-revision": "1", leader: "True", address: sim.unit("provider/0").address });
    expect(JSON.parse(String(shared.results["param-types"]))).toEqual({ count: "int", data: "dict", flag: "bool" });
    expect(shared.log).toEqual(["sharing with count 3"]);
    expect((await sim.runAction("provider/1", "share", { count: 1 })).results).toMatchObject({ leader: "False" });

    // A new revision: the consumer's secret-changed refreshes, then the owner removes the old one.
    expect((await sim.runAction("provider/0", "rotate-secret", { value: "second-token" })).status).toBe("completed");
    expect(bag(rel.id, "consumer/0")["seen-token"]).toBe("second-token");
    const secret = Object.values(sim.model.secrets).find((s) => s.label === "shared-token")!;
    expect(secret.revisions.map((r) => r.revision)).toEqual([2]);
    expect(decode(secret.revisions[0]!.content.token!)).toBe("second-token");
    expect(sim.runs.map((r) => `${r.unit} ${r.name}`)).toEqual(expect.arrayContaining(["consumer/0 secret-changed", "provider/0 secret-remove"]));
    expect(failedHooks()).toEqual([]);
    expect(failedTools()).toEqual([]);
    const tools = new Set(sim.runs.flatMap((r) => r.toolCalls.map((c) => c.tool)));
    for (const tool of ["relation-set", "relation-get", "secret-add", "secret-get", "secret-set", "secret-grant", "secret-info-get", "secret-remove", "network-get", "action-get", "action-set", "action-log", "config-get", "is-leader", "status-set"]) {
      expect(tools, tool).toContain(tool);
    }
  }, 180_000);

  it("runs a charm-helpers charm (hooks/ and actions/, no dispatch) with every hook tool answering", async () => {
    const before = sim.runs.length;
    await sim.deploy(stage("helpers-probe"), { app: "helper" });
    const rel = await sim.integrate("provider:db", "helper:upstream");
    const runs = sim.runs.slice(before);
    expect(runs.filter((r) => r.exitCode !== 0).map((r) => `${r.unit} ${r.name}`), logTail("helper/0")).toEqual([]);
    expect(runs.flatMap((r) => r.toolCalls.filter((c) => c.code !== 0).map((c) => `${r.name}: ${c.tool} ${c.args.join(" ")}`))).toEqual([]);
    const address = sim.unit("helper/0").address;
    // relation_set used --file <temp file> after probing relation-set --help for it.
    expect(bag(rel.id, "helper/0")).toMatchObject({ address, private: address, greeting: "hi", "seen-token": "second-token" });
    expect(runs.some((r) => r.toolCalls.some((c) => c.tool === "relation-set" && c.args.includes("--help")))).toBe(true);
    expect(runs.some((r) => r.toolCalls.some((c) => c.tool === "network-get" && c.args.includes("--primary-address")))).toBe(true);
    expect(sim.unit("helper/0").status).toMatchObject({ status: "active", message: "greeting hi (leader: True)" });

    const hello = await sim.runAction("helper/0", "hello", parseRunArgs(["name=world", "times=2"]));
    expect(hello.status, hello.message).toBe("completed");
    expect(hello.results).toMatchObject({ greeting: "hello world hello world", "times-type": "int", address });
    const refused = await sim.runAction("helper/0", "hello", parseRunArgs(["name=world", "times=0"]));
    expect(refused).toMatchObject({ status: "failed", message: "times must be at least 1" });

    // The provider writes a new revision: the charm-helpers consumer gets secret-changed too.
    expect((await sim.runAction("provider/0", "rotate-secret", { value: "third-token" })).status).toBe("completed");
    expect(bag(rel.id, "helper/0")["seen-token"]).toBe("third-token");
    expect(sim.runs.slice(before).filter((r) => r.exitCode !== 0)).toEqual([]);
  }, 180_000);
});
