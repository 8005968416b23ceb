// The simulator's rules where it follows Juju 3.x's source code rather than its documentation. Each
// test names the Juju file and function (github.com/juju/juju, 3.5/3.6-era paths) it follows, read
// with the project's source search; /work/shared/reference/juju-source-audit.md has the summary.
// Hook tools: internal/worker/uniter/runner/jujuc/<tool>.go; hook context and commit:
// internal/worker/uniter/runner/context/context.go; secrets facade:
// apiserver/facades/agent/secretsmanager/secrets.go; `juju run`: cmd/juju/action/run.go.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseRunArgs } from "../sim/action-params.js";
import { applyPending } from "../sim/commit.js";
import { notYetQueued } from "../sim/followups.js";
import { Sim } from "../sim/controller.js";
import { redactedModel, showSecret } from "../sim/format.js";
import { emptyPending, type HookRuntime } from "../sim/hooktools/context.js";
import { runTool } from "../sim/hooktools/index.js";
import { projectRoot } from "../sim/paths.js";

const TEST_CHARM = join(projectRoot(), "tests", "sim", "testcharm");
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let sim: Sim;

beforeEach(async () => {
  sim = await Sim.open(mkdtempSync(join(tmpdir(), "sim-rules-")));
});

afterEach(async () => {
  await sim.destroy();
});

const machineFile = (unit: string, name: string) => {
  const path = join(sim.unit(unit).dataDir, name);
  return existsSync(path) ? readFileSync(path, "utf8") : "";
};

/** A hook context on `unit`, to call one tool directly as the context server would. */
function toolOn(unit: string, hookName = "update-status", extra: Partial<HookRuntime["info"]> = {}) {
  const rt: HookRuntime = {
    info: {
      contextId: "direct",
      unit,
      hookName,
      dispatchPath: `hooks/${hookName}`,
      relationId: null,
      remoteUnit: null,
      remoteApp: null,
      departingUnit: null,
      secretId: null,
      secretRevision: null,
      actionId: null,
      ...extra,
    },
    model: sim.model,
    pending: emptyPending(),
    log: () => undefined,
    now: () => new Date(),
    calls: [],
  };
  return { rt, run: (tool: string, ...args: string[]) => runTool(rt, tool, args, "") };
}

async function providerWithSecret(providerUnits = 1, params: Record<string, string> = {}): Promise<string> {
  await sim.deploy(TEST_CHARM, { app: "provider", units: providerUnits });
  await sim.deploy(TEST_CHARM, { app: "consumer" });
  await sim.integrate("provider:out", "consumer:in");
  const added = await sim.runAction("provider/0", "add-secret", { value: "one", ...params });
  expect(added.status, added.message).toBe("completed");
  return String(added.results.uri);
}

describe("juju run parameters (cmd/juju/action/run.go Init: yaml.Unmarshal of each value unless --string-args; --params file first)", () => {
  it("reads each value as YAML 1.1, nests dotted keys, and keeps text with --string-args", () => {
    expect(parseRunArgs(["data={\"user\":\"app\",\"password\":\"s3cret\"}", "versions=1", "list=1,2", "cas=0", "wrapped=false", "yes=yes", "a.b=2"])).toEqual({
      data: { user: "app", password: "s3cret" },
      versions: 1,
      list: "1,2",
      cas: 0,
      wrapped: false,
      yes: true, // yaml.v2 is YAML 1.1
      a: { b: 2 },
    });
    expect(parseRunArgs(["versions=1", "wrapped=false"], { stringArgs: true })).toEqual({ versions: "1", wrapped: "false" });
    expect(parseRunArgs(["count=2"], { paramsYaml: "count: 1\nword: hi\n" })).toEqual({ count: 2, word: "hi" });
    expect(() => parseRunArgs(["novalue"])).toThrow(/key.key...=value/);
  });

  it("delivers the typed values to the charm's action-get, and Juju's schema check refuses a mistyped one", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe" });
    const typed = await sim.runAction("probe/0", "typed", parseRunArgs(["n=3", "flag=true", "data={\"k\": \"v\"}", "versions=[1,2]", "word=hello"]));
    expect(JSON.parse(String(typed.results.json))).toEqual({ n: 3, flag: true, data: { k: "v" }, versions: [1, 2], word: "hello" });
    // remove-revision's revision is an integer: "2" (from --string-args) is refused before any hook.
    await expect(sim.runAction("probe/0", "remove-revision", parseRunArgs(["revision=2"], { stringArgs: true }))).rejects.toThrow(/revision: expected integer, given string/);
  });

  it("refuses parameters actions.yaml does not declare unless additionalProperties is true (internal/charm/actions.go)", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe" });
    // read-secret does not say additionalProperties: Juju's default is false.
    await expect(sim.runAction("probe/0", "read-secret", { uri: "x", extra: 1 })).rejects.toThrow(/additional property "extra"/);
    expect((await sim.runAction("probe/0", "typed", { other: 1 })).status).toBe("completed");
  });
});

describe("rotation scheduling (secretsmanager/secrets.go SecretsRotated)", () => {
  it("moves the next rotation to five minutes later when the new revision expires before the next scheduled one (willExpire)", async () => {
    await providerWithSecret(1, { rotate: "daily" });
    const secret = Object.values(sim.model.secrets)[0]!;
    sim.unit("provider/0").state["on-rotate"] = "new-revision";
    sim.unit("provider/0").state["rotate-expire"] = "2h";
    const due = Date.parse(secret.nextRotateAt!);
    await sim.advance(24 * HOUR + MINUTE, false);
    expect(secret.revisions).toHaveLength(2);
    // Rotated, but revision 2 expires in 2h, before due + 1 day: Juju schedules due + 5 min.
    expect(Date.parse(secret.nextRotateAt!)).toBeLessThanOrEqual(Date.now() + sim.model.clockOffsetMs + 5 * MINUTE + 1000);
    expect(Date.parse(secret.nextRotateAt!)).toBeLessThan(due + HOUR);
    // That repeats while each new revision expires first: a rotation storm, five minutes apart.
    await sim.advance(6 * MINUTE, false);
    await sim.advance(6 * MINUTE, false);
    expect(secret.revisions.length).toBe(4);

    // A revision that outlives the next rotation: back to one period after the time that was due.
    sim.unit("provider/0").state["rotate-expire"] = "48h";
    await sim.advance(6 * MINUTE, false);
    const rotatedAt = secret.revisions.at(-1)!;
    expect(secret.revisions.length).toBe(5);
    const next = Date.parse(secret.nextRotateAt!);
    expect(next - Date.parse(rotatedAt.createdAt)).toBeGreaterThan(23 * HOUR);
  });
});

describe("rotation policy changes (secretsmanager/secrets.go updateSecret)", () => {
  it("schedules a rotation only when a secret starts rotating; a change between rotating policies keeps the one due", async () => {
    await providerWithSecret(1, { rotate: "daily" });
    const secret = Object.values(sim.model.secrets)[0]!;
    const due = secret.nextRotateAt;
    const { rt, run } = toolOn("provider/0");
    expect(run("secret-set", `secret:${secret.id}`, "--rotate", "hourly").code).toBe(0);
    applyPending(sim.model, rt.info, rt.pending, new Date());
    expect(secret).toMatchObject({ rotatePolicy: "hourly", nextRotateAt: due });
    const never = toolOn("provider/0");
    never.run("secret-set", `secret:${secret.id}`, "--rotate", "never");
    applyPending(sim.model, never.rt.info, never.rt.pending, new Date());
    expect(secret.nextRotateAt).toBeUndefined();
    const again = toolOn("provider/0");
    again.run("secret-set", `secret:${secret.id}`, "--rotate=weekly");
    applyPending(sim.model, again.rt.info, again.rt.pending, new Date());
    expect(Date.parse(secret.nextRotateAt!) - Date.now()).toBeGreaterThan(6.9 * 24 * HOUR);
  });
});

describe("secret changes are checked when the hook commits (context.go RemoveSecret, UpdateSecret, doFlush)", () => {
  it("never fails secret-remove at the tool; removing a secret twice fails the commit and nothing is applied", async () => {
    await providerWithSecret();
    const record = await sim.runAction("provider/0", "remove-twice");
    expect(record.results).toMatchObject({ first: "0", second: "0" });
    expect(record.status).toBe("failed");
    expect(record.message).toMatch(/^removing secrets: secret "[0-9a-v]{20}" not found$/);
    expect(Object.values(sim.model.secrets)).toHaveLength(1);
  });

  it("fails the hook removing a secret that is gone, and Juju retries it: resolve runs it again and it fails again", async () => {
    const uri = await providerWithSecret();
    const unit = sim.unit("provider/0");
    delete sim.model.secrets[uri.slice(uri.lastIndexOf("/") + 1)];
    unit.state["remove-uri"] = uri;
    await sim.runHook("provider/0", "update-status");
    expect(machineFile("provider/0", "events.log")).toContain("secret-remove exit 0");
    expect(unit.errorHook).toBe("update-status");
    expect(readFileSync(join(sim.paths.logs, "provider-0.log"), "utf8")).toMatch(/hook failed: removing secrets: secret "[0-9a-v]{20}" not found/);
    await sim.resolve("provider/0");
    expect(sim.unit("provider/0").errorHook).toBe("update-status");
  });

  it("deletes the secret when secret-remove --revision removes its last revision (state/secrets.go deleteSecrets)", async () => {
    await providerWithSecret();
    expect((await sim.runAction("provider/0", "remove-revision", { revision: 1 })).status).toBe("completed");
    expect(Object.values(sim.model.secrets)).toHaveLength(0);
  });
});

describe("a non-leader and its application's secret (secretsmanager GetSecretMetadata; context.go doFlush)", () => {
  it("says not found to secret-info-get, omits it from secret-ids, and fails its secret-set at commit with permission denied", async () => {
    await providerWithSecret(2);
    const leaderInfo = await sim.runAction("provider/0", "info-own");
    expect(leaderInfo.status).toBe("completed");
    const info = JSON.parse(String(leaderInfo.results.info)) as Record<string, { label: string; owner: string }>;
    expect(Object.values(info)[0]).toMatchObject({ label: "mine", owner: "application" });

    const refused = await sim.runAction("provider/1", "info-own");
    expect(refused.status).toBe("failed");
    expect(String(refused.results.stderr)).toBe('ERROR secret "mine" not found\n');
    expect(JSON.parse(String((await sim.runAction("provider/1", "own-ids")).results.ids))).toBeNull();
    expect(JSON.parse(String((await sim.runAction("provider/0", "own-ids")).results.ids))).toHaveLength(1);

    // secret-set exits 0 on the non-leader; the facade refuses the change when the hook commits.
    const uri = Object.values(sim.model.secrets)[0]!.id;
    const bump = await sim.runAction("provider/1", "bump-secret", { value: "two", uri: `secret:${uri}` });
    // The tool printed nothing; the one error is the commit's.
    expect(bump.results.stderr).toBe("ERROR updating secrets: permission denied\n");
    expect(bump).toMatchObject({ status: "failed", message: "updating secrets: permission denied" });
    expect(Object.values(sim.model.secrets)[0]!.revisions).toHaveLength(1);
  });

  it("always gives secret-info-get's label, empty when the secret has none (jujuc/secret-info-get.go)", async () => {
    await providerWithSecret();
    const secret = Object.values(sim.model.secrets)[0]!;
    delete secret.label;
    const { run } = toolOn("provider/0");
    const out = run("secret-info-get", `secret:${secret.id}`, "--format=json");
    expect(JSON.parse(out.stdout)[secret.id]).toMatchObject({ label: "", revision: 1 });
  });
});

describe("relation-ids while a relation is removed (jujuc/relation-ids.go; uniter context factory, PRs #17464, #18253)", () => {
  const idsLog = (unit: string) => machineFile(unit, "relation-ids.log").trim().split("\n").filter(Boolean);

  it("on Juju 3.6 lists the relation in relation-departed and omits it in relation-broken", async () => {
    await sim.deploy(TEST_CHARM, { app: "provider" });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    const rel = await sim.integrate("provider:out", "consumer:in");
    await sim.removeRelation(rel.id);
    expect(idsLog("provider/0")).toEqual([`out-relation-departed ids=out:${rel.id} `, "out-relation-broken ids="]);
  });

  it("on Juju 3.1 hides it as soon as it is dying", async () => {
    sim.setJujuVersion("3.1.8");
    await sim.deploy(TEST_CHARM, { app: "provider" });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    const rel = await sim.integrate("provider:out", "consumer:in");
    await sim.removeRelation(rel.id);
    expect(idsLog("provider/0")).toEqual(["out-relation-departed ids=", "out-relation-broken ids="]);
    expect(machineFile("provider/0", "juju-env")).toContain("JUJU_VERSION=3.1.8");
  });

  it("omits the relation in the leaving unit's own relation-broken after remove-unit", async () => {
    await sim.deploy(TEST_CHARM, { app: "provider" });
    await sim.deploy(TEST_CHARM, { app: "consumer", units: 2 });
    const rel = await sim.integrate("provider:out", "consumer:in");
    const leavingRoot = sim.unit("consumer/1").dataDir;
    await sim.removeUnit("consumer/1");
    const lines = readFileSync(join(leavingRoot, "relation-ids.log"), "utf8").trim().split("\n");
    expect(lines).toContain(`in-relation-departed ids=in:${rel.id} `);
    expect(lines.at(-1)).toBe("in-relation-broken ids=");
  });
});

describe("relation-changed per remote unit, at its latest settings (uniter/relation/resolver.go nextHookForRelation)", () => {
  it("runs one relation-changed for changes made while one is queued", async () => {
    await sim.deploy(TEST_CHARM, { app: "provider" });
    await sim.deploy(TEST_CHARM, { app: "consumer" });
    await sim.integrate("provider:out", "consumer:in");
    const rel = sim.model.relations.at(-1)!;
    const changed = (remote: string) => ({
      unit: "consumer/0",
      event: { kind: "hook" as const, name: "in-relation-changed", env: { JUJU_RELATION: "in", JUJU_RELATION_ID: `in:${rel.id}`, JUJU_REMOTE_UNIT: remote, JUJU_REMOTE_APP: "provider" } },
    });
    const appChanged = { ...changed(""), event: { ...changed("").event, env: { ...changed("").event.env, JUJU_REMOTE_UNIT: "" } } };
    // provider/0's bag changed twice before consumer/0 ran the first relation-changed: one hook.
    const queue = notYetQueued([], [changed("provider/0")]);
    expect(notYetQueued(queue, [changed("provider/0")])).toEqual([]);
    // Another remote unit's change, or the application's, is a hook of its own.
    expect(notYetQueued(queue, [changed("provider/1"), appChanged])).toEqual([changed("provider/1"), appChanged]);
    // Other hooks are never merged: Juju runs each joined, departed and secret event.
    const joined = { ...changed("provider/0"), event: { ...changed("provider/0").event, name: "in-relation-joined" } };
    expect(notYetQueued([joined], [joined])).toEqual([joined]);
  });
});

describe("limits and small forms", () => {
  it("caps secret content by the model's Juju version: 8 KiB a value before 3.6.9, 1 MiB from 3.6.9 (PR #20287)", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe" });
    const { run } = toolOn("probe/0");
    const big = "x".repeat(7 * 1024); // base64: 9.3 KiB
    expect(run("secret-add", `token=${big}`)).toMatchObject({ code: 1, stderr: expect.stringMatching(/secret content for key "token" too large/) });
    const many = Array.from({ length: 12 }, (_, i) => `key${i}=${"y".repeat(5 * 1024)}`);
    expect(run("secret-add", ...many).stderr).toMatch(/secret content too large/);
    sim.setJujuVersion("3.6.9");
    expect(toolOn("probe/0").run("secret-add", `token=${big}`).code).toBe(0);
    expect(() => sim.setJujuVersion("2.9.1")).toThrow(/not supported/);
  });

  it("refuses reserved action-set keys in every dotted segment (jujuc/action-set.go Init)", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe" });
    for (const key of ["stdout", "a.stderr", "x.y.stdout-encoding"]) {
      const record = await sim.runAction("probe/0", "set-result", { key });
      expect(record.status, key).toBe("failed");
      expect(String(record.results.stderr)).toMatch(/cannot set reserved action key/);
    }
    expect((await sim.runAction("probe/0", "set-result", { key: "out.put" })).results.out).toEqual({ put: "value" });
  });

  it("sets no JUJU_SLA (gone in 3.x: context.go HookVars) and JUJU_VERSION from the model", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe" });
    const env = machineFile("probe/0", "juju-env");
    expect(env).toContain("JUJU_VERSION=3.6.4");
    expect(env).not.toContain("JUJU_SLA");
  });
});

describe("hook-tool flag forms (jujuc/<tool>.go SetFlags)", () => {
  it("answers --help with usage and exit 0; relation-set's lists --file (charm-helpers probes it)", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe" });
    const { run } = toolOn("probe/0");
    for (const tool of ["relation-set", "secret-add", "config-get", "juju-log"]) {
      const help = run(tool, "--help");
      expect(help.code, tool).toBe(0);
      expect(help.stdout).toContain(`Usage: ${tool}`);
    }
    expect(run("relation-set", "-h").stdout).toContain("--file");
  });

  it("reads relation-set --file <path> as YAML, relative to the tool's working directory (jujuc/relation-set.go)", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe", units: 2 });
    const rel = sim.model.relations[0]!;
    const dir = mkdtempSync(join(tmpdir(), "relset-"));
    writeFileSync(join(dir, "settings.yaml"), "alpha: one\nbeta: 2\n");
    const { rt, run } = toolOn("probe/0", "ring-relation-changed", { relationId: rel.id, remoteUnit: "probe/1", remoteApp: "probe" });
    rt.cwd = dir;
    expect(run("relation-set", "--file", "settings.yaml", "gamma=3")).toMatchObject({ code: 0 });
    expect(rt.pending.relationSets[rel.id]!["probe/0"]).toEqual({ alpha: "one", beta: "2", gamma: "3" });
    expect(run("relation-set", "--file", join(dir, "missing.yaml")).stderr).toMatch(/cannot read settings file/);
  });

  it("prints one address for network-get --primary-address (jujuc/network-get.go), and every form of config-get and relation-get", async () => {
    await sim.deploy(TEST_CHARM, { app: "probe", units: 2 });
    const rel = sim.model.relations[0]!;
    const { run } = toolOn("probe/0", "ring-relation-changed", { relationId: rel.id, remoteUnit: "probe/1", remoteApp: "probe" });
    expect(run("network-get", "--primary-address", "ring").stdout).toBe(`${sim.unit("probe/0").address}\n`);
    expect(JSON.parse(run("network-get", "ring", "--primary-address", "--format=json").stdout)).toBe(sim.unit("probe/0").address);
    expect(JSON.parse(run("config-get", "--all", "--format=json").stdout)).toEqual({ "fail-on": "", greeting: "hello", count: 1 });
    expect(run("config-get", "-a", "--format", "yaml").stdout).toContain("greeting: hello");
    expect(JSON.parse(run("relation-get", "--format=json", "-").stdout)).toMatchObject({ "private-address": sim.unit("probe/1").address });
    expect(JSON.parse(run("relation-get", "-", "probe/1", "--format=json").stdout)).toMatchObject({ "ingress-address": sim.unit("probe/1").address });
  });
});

describe("the development tool keeps secrets like Juju", () => {
  it("writes model.json 0600, shows no secret content in status, and reveals it only with show-secret --reveal", async () => {
    const uri = await providerWithSecret();
    expect(statSync(sim.paths.state).mode & 0o777).toBe(0o600);
    const status = JSON.stringify(redactedModel(sim.model));
    const encoded = Object.values(sim.model.secrets)[0]!.revisions[0]!.content.token!;
    expect(status).not.toContain(encoded);
    expect(status).toContain('"keys":["token"]');
    expect(showSecret(sim.model, uri)).not.toHaveProperty([uri.slice(uri.lastIndexOf("/") + 1), "content"]);
    expect(Object.values(showSecret(sim.model, "mine", { reveal: true }))[0]).toMatchObject({ content: { token: "one" }, label: "mine", revision: 1 });
  });

  it("takes a dead but unreaped daemon (a zombie) for stopped in the systemctl shim", () => {
    const root = mkdtempSync(join(tmpdir(), "shim-"));
    mkdirSync(join(root, "etc", "systemd", "system"), { recursive: true });
    writeFileSync(join(root, "etc", "systemd", "system", "quick.service"), "[Service]\nExecStart=/bin/true\n");
    const systemctl = join(sim.paths.shims, "systemctl");
    chmodSync(systemctl, 0o755);
    const env = { ...process.env, VAULT_CHARM_SIM_ROOT: root };
    execFileSync(systemctl, ["start", "quick"], { env });
    execFileSync("sleep", ["0.5"]);
    let code = 0;
    try {
      execFileSync(systemctl, ["is-active", "quick"], { env, stdio: "pipe" });
    } catch (error) {
      code = (error as { status: number }).status;
    }
    expect(code).toBe(3);
  });
});
