// The simulated controller: one model directory, the operator verbs (deploy, add-unit, integrate,
// config, secrets, run, advance, remove-*) and the hook queue that runs the real dispatch for each
// event in Juju's order (juju-runtime.md §1). Every verb runs the model until it is idle.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { execFileSync } from "node:child_process";
import { validateActionParams } from "./action-params.js";
import { loadCharmSpec } from "./charm-spec.js";
import { latestRevisions, notYetQueued, relationChanges, relationEnv, rescheduleRotation, secretChanges, secretRemovals, snapshotRelations, timedSecretEvents } from "./followups.js";
import { HookServer } from "./hook-server.js";
import { checkJujuVersion } from "./juju-version.js";
import { newSecretId, parseSecretId, SECRET_KEY, secretUri } from "./hooktools/secret-content.js";
import { installHookTools } from "./jujuc.js";
import { now, runEvent, type HookRun } from "./runner.js";
import { writeShims } from "./shims.js";
import { loadModel, modelPaths, newModel, saveModel, type ModelPaths } from "./store.js";
import type { ActionRecord, AppState, HookEvent, ModelState, QueuedEvent, RelationState, UnitState } from "./types.js";

export class SimError extends Error {}

/**
 * A charm directory is deployed whole, as Juju deploys a charm (its archive holds the whole tree):
 * a Python charm's src/, lib/ and venv/ come along. Left out: version control, simulator models and
 * build output, and node_modules of a charm whose code is bundled in dist/ (this project's layout).
 */
const NEVER_DEPLOYED = new Set([".git", ".sim", "build"]);
/** A guard against a charm that loops; a large model legitimately runs many hooks to settle. */
const MAX_HOOKS_PER_SETTLE = 2000;
const MAX_HOOKS_PER_UNIT_PER_SETTLE = 20;

export interface SimOptions {
  /** Workload binary the `snap`/`systemctl` shims run as /snap/bin/vault. */
  vaultBinary?: string;
  /** Called after each hook or action, for progress output. */
  onHook?: (run: HookRun) => void;
}

const appOf = (unit: string) => unit.slice(0, unit.lastIndexOf("/"));

/** Test instrumentation: told about every model opened, every hook run and every model destroyed. */
export interface SimObserver {
  opened?(sim: Sim): void;
  ran?(sim: Sim, run: HookRun): void;
  /** Before destroy() deletes the model directory (its logs and machines). */
  destroying?(sim: Sim): void;
}

export class Sim {
  /** Registered by test setup (tests/setup/leak-scan.ts); empty for the CLI and the demo. */
  static readonly observers: SimObserver[] = [];
  readonly runs: HookRun[] = [];
  /** Command prefix for every dispatch (the benchmark measures peak RSS with /usr/bin/time). */
  hookWrapper: string[] = [];
  /** Units whose agents are "slow": their events wait until released (tests of stale observers). */
  private readonly held = new Set<string>();
  /** The settle in progress, if any. */
  private settling: Promise<void> | null = null;
  /** Units to hold once they have run a given hook. */
  private readonly holdAfter = new Map<string, string>();
  private constructor(
    readonly paths: ModelPaths,
    readonly model: ModelState,
    private readonly server: HookServer,
    private readonly options: SimOptions,
  ) {}

  /** Opens the model in `dir`, creating it on first use. */
  static async open(dir: string, options: SimOptions = {}): Promise<Sim> {
    const paths = modelPaths(resolve(dir));
    const model = loadModel(paths) ?? newModel(basename(paths.dir));
    mkdirSync(paths.dir, { recursive: true });
    if (!existsSync(join(paths.tools, "juju-log"))) installHookTools(paths.tools);
    if (options.vaultBinary || !existsSync(join(paths.shims, "vault-bin"))) writeShims(paths.shims, options.vaultBinary ?? "/snap/bin/vault");
    const server = await HookServer.start(paths.socket);
    const sim = new Sim(paths, model, server, options);
    sim.save();
    for (const observer of Sim.observers) observer.opened?.(sim);
    return sim;
  }

  save(): void {
    saveModel(this.paths, this.model);
  }

  async close(): Promise<void> {
    this.save();
    await this.server.close();
  }

  /** Stops every workload process the units started and deletes the model directory. */
  async destroy(): Promise<void> {
    for (const unit of Object.values(this.model.units)) killWorkloads(unit.dataDir);
    for (const observer of Sim.observers) observer.destroying?.(this);
    await this.server.close();
    rmSync(this.paths.dir, { recursive: true, force: true });
  }

  // ---- operator verbs -------------------------------------------------------------------

  /** The Juju version the model behaves as (hooks' JUJU_VERSION; juju-version.ts lists what it switches). */
  setJujuVersion(version: string): void {
    this.model.jujuVersion = checkJujuVersion(version);
    this.save();
  }

  async deploy(source: string, opts: { app?: string; units?: number; config?: Record<string, string> } = {}): Promise<AppState> {
    const charmDir = this.stageCharm(source, opts.app);
    const charm = loadCharmSpec(charmDir);
    const name = opts.app ?? charm.meta.name;
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$/.test(name)) throw new SimError(`invalid application name "${name}"`);
    if (this.model.apps[name]) throw new SimError(`cannot add application "${name}": application already exists`);
    const app: AppState = { name, charm, config: {}, units: [], nextUnitNumber: 0, leader: null, status: status("unknown", ""), workloadVersion: "" };
    this.model.apps[name] = app;
    if (opts.config) app.config = this.checkConfig(app, opts.config);
    for (const [endpoint, spec] of Object.entries(charm.meta.peers)) {
      this.model.relations.push(newRelation(this.model.nextRelationId++, spec.interface, [{ app: name, endpoint, role: "peers" }]));
    }
    await this.addUnit(name, opts.units ?? 1);
    return app;
  }

  async addUnit(appName: string, count = 1): Promise<string[]> {
    const app = this.app(appName);
    const added: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${appName}/${app.nextUnitNumber++}`;
      const dir = join(this.paths.units, name.replace("/", "-"));
      const charmDir = join(dir, "charm");
      cpSync(app.charm.dir, charmDir, { recursive: true, verbatimSymlinks: true });
      const unit: UnitState = {
        name,
        app: appName,
        address: this.nextAddress(),
        charmDir,
        dataDir: join(dir, "root"),
        life: "alive",
        status: status("waiting", "agent initialising"),
        errorHook: null,
        state: {},
        openedPorts: [],
      };
      mkdirSync(unit.dataDir, { recursive: true });
      this.model.units[name] = unit;
      app.units.push(name);
      this.queueUnitStartup(unit, app);
      added.push(name);
    }
    await this.settle();
    return added;
  }

  async removeUnit(unitName: string): Promise<void> {
    const unit = this.unit(unitName);
    if (unit.life !== "alive") return;
    unit.life = "dying";
    for (const rel of this.model.relations.filter((r) => r.ends.some((e) => e.app === unit.app) && !r.dying)) {
      this.queueDeparture(rel, unitName);
      this.queue(unitName, hook(`${endpointOf(rel, unit.app)}-relation-broken`, relationEnv(rel, unit.app, null, remoteAppOf(rel, unit.app))));
    }
    this.queue(unitName, hook("stop"));
    this.queue(unitName, hook("remove"));
    this.model.queue.push({ unit: unitName, event: { kind: "internal", name: "unit-removed" } });
    await this.settle();
  }

  async integrate(a: string, b: string): Promise<RelationState> {
    const [endA, endB] = this.matchEndpoints(a, b);
    if (this.model.relations.some((r) => !r.dying && r.ends.length === 2 && r.ends.every((e) => [endA, endB].some((x) => x.app === e.app && x.endpoint === e.endpoint)))) {
      throw new SimError(`cannot add relation "${endA.app}:${endA.endpoint} ${endB.app}:${endB.endpoint}": relation already exists`);
    }
    const rel = newRelation(this.model.nextRelationId++, endA.interface, [
      { app: endA.app, endpoint: endA.endpoint, role: endA.role },
      { app: endB.app, endpoint: endB.endpoint, role: endB.role },
    ]);
    this.model.relations.push(rel);
    const alive = (app: string) => this.app(app).units.filter((u) => this.model.units[u]?.life === "alive");
    for (const end of rel.ends) {
      const remote = remoteAppOf(rel, end.app);
      for (const u of alive(end.app)) {
        this.enterRelation(rel, u);
        this.queue(u, hook(`${end.endpoint}-relation-created`, relationEnv(rel, end.app, null, remote)));
      }
    }
    for (const end of rel.ends) {
      for (const u of alive(end.app)) for (const v of alive(remoteAppOf(rel, end.app))) this.queueJoin(rel, u, v);
    }
    await this.settle();
    return rel;
  }

  async removeRelation(id: number): Promise<void> {
    const rel = this.model.relations.find((r) => r.id === id && !r.dying);
    if (!rel) throw new SimError(`relation ${id} not found`);
    if (rel.ends.length === 1) throw new SimError(`cannot remove peer relation ${id}`);
    rel.dying = true;
    for (const end of rel.ends) {
      for (const u of this.app(end.app).units) {
        if (this.model.units[u]?.life !== "alive") continue;
        for (const v of rel.scope[u] ?? []) this.queue(u, hook(`${end.endpoint}-relation-departed`, { ...relationEnv(rel, end.app, v, appOf(v)), JUJU_DEPARTING_UNIT: v }));
        this.queue(u, hook(`${end.endpoint}-relation-broken`, relationEnv(rel, end.app, null, remoteAppOf(rel, end.app))));
      }
    }
    await this.settle();
    this.model.relations = this.model.relations.filter((r) => r !== rel);
    for (const secret of Object.values(this.model.secrets)) secret.grants = secret.grants.filter((g) => g.relationId !== id);
    this.save();
  }

  async setConfig(appName: string, values: Record<string, string>, reset: string[] = []): Promise<void> {
    const app = this.app(appName);
    const next = { ...app.config, ...this.checkConfig(app, values) };
    for (const key of reset) {
      if (!(key in app.charm.config)) throw new SimError(`unknown option "${key}"`);
      delete next[key];
    }
    if (JSON.stringify(next) === JSON.stringify(app.config)) return; // Juju fires nothing for a no-op
    app.config = next;
    for (const u of this.aliveUnits(appName)) this.queue(u, hook("config-changed"));
    await this.settle();
  }

  /** `juju add-secret`: a user secret; its keys follow the same rules as secret-add's. */
  addSecret(name: string, content: Record<string, string>, description?: string): string {
    if (Object.values(this.model.secrets).some((s) => s.name === name)) throw new SimError(`secret with name "${name}" already exists`);
    const id = newSecretId();
    this.model.secrets[id] = {
      id,
      ownerKind: "model",
      owner: "model",
      name,
      ...(description ? { description } : {}),
      revisions: [{ revision: 1, content: encodeContent(content), createdAt: now(this.model).toISOString() }],
      grants: [],
      tracking: {},
      consumerLabels: {},
    };
    this.save();
    return secretUri(this.model.uuid, id);
  }

  /** `juju update-secret`: a new revision; observers behind it get secret-changed. */
  async updateSecret(nameOrUri: string, content: Record<string, string>): Promise<void> {
    const secret = this.userSecret(nameOrUri);
    const before = latestRevisions(this.model);
    const latest = secret.revisions[secret.revisions.length - 1]!;
    secret.revisions.push({ revision: latest.revision + 1, content: encodeContent(content), createdAt: now(this.model).toISOString() });
    this.model.queue.push(...secretChanges(this.model, before));
    await this.settle();
  }

  grantSecret(nameOrUri: string, appName: string): void {
    const secret = this.userSecret(nameOrUri);
    this.app(appName);
    if (!secret.grants.some((g) => g.target === appName && g.relationId === null)) secret.grants.push({ relationId: null, target: appName });
    this.save();
  }

  revokeSecret(nameOrUri: string, appName: string): void {
    const secret = this.userSecret(nameOrUri);
    secret.grants = secret.grants.filter((g) => !(g.target === appName && g.relationId === null));
    this.save();
  }

  /** `juju run <unit> <action>`: validated against actions.yaml first, like the controller does. */
  async runAction(unitName: string, name: string, params: Record<string, unknown> = {}): Promise<ActionRecord> {
    const unit = this.unit(unitName);
    if (unit.life !== "alive") throw new SimError(`unit ${unitName} is not alive`);
    const validated = validateActionParams(name, this.app(unit.app).charm.actions[name], params);
    const id = String(this.model.nextActionId++);
    const record: ActionRecord = { id, unit: unitName, name, params: validated, status: "pending", results: {}, log: [] };
    this.model.actions[id] = record;
    this.model.queue.push({ unit: unitName, event: { kind: "action", name, id, params: validated } });
    await this.settle();
    return this.model.actions[id]!;
  }

  /** Runs one named hook on a unit (update-status, or any event a test wants to force). */
  async runHook(unitName: string, name: string, env: Record<string, string> = {}): Promise<void> {
    this.unit(unitName);
    this.queue(unitName, hook(name, env));
    await this.settle();
  }

  /** Moves the model's clock on; due rotations and expiries fire, then update-status on every unit. */
  async advance(ms: number, updateStatus = true): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new SimError("advance needs a non-negative duration");
    this.model.clockOffsetMs += ms;
    if (updateStatus) for (const u of Object.keys(this.model.units)) if (this.model.units[u]!.life === "alive") this.queue(u, hook("update-status"));
    await this.settle();
  }

  /** `juju resolved`: clears a unit's error; with retry the failed hook runs again, else it is skipped. */
  async resolve(unitName: string, retry = true): Promise<void> {
    const unit = this.unit(unitName);
    if (!unit.errorHook) throw new SimError(`unit "${unitName}" is not in an error state`);
    unit.errorHook = null;
    if (!retry) {
      const index = this.model.queue.findIndex((q) => q.unit === unitName);
      if (index >= 0) this.afterSecretRotate(this.model.queue.splice(index, 1)[0]!.event, true);
    }
    await this.settle();
  }

  /**
   * The workload dies outside Juju's knowledge (crash, reboot, an operator's systemctl): the
   * daemon gets SIGTERM and the unit's next hook finds it stopped. Resolves once it has exited.
   */
  /**
   * Moves leadership to another unit, as Juju does when the leader's agent loses its lease (it was
   * down or cut off): the new leader gets leader-elected; the old one learns it from is-leader, and
   * its leader-only tool calls are refused from now on, including in hooks already queued for it.
   */
  async transferLeadership(appName: string, toUnit: string): Promise<void> {
    const app = this.app(appName);
    if (!app.units.includes(toUnit) || this.unit(toUnit).life !== "alive") throw new SimError(`${toUnit} is not an alive unit of ${appName}`);
    if (app.leader === toUnit) return;
    app.leader = toUnit;
    this.queue(toUnit, hook("leader-elected"));
    await this.settle();
  }

  async crashWorkload(unitName: string, service = "vault", signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    const pidFile = join(this.unit(unitName).dataDir, "run", `${service}.pid`);
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8")) : 0;
    if (!(pid > 0)) throw new SimError(`${service} is not running on ${unitName}`);
    // SIGTERM: a clean exit, which systemd leaves stopped; SIGKILL: a crash, which Restart=on-failure restarts.
    process.kill(pid, signal);
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  }

  /**
   * Holds a unit's queued events back, as a busy or slow unit agent would, until release(). With
   * `after`, the unit first runs its events up to and including that hook (say, the secret-rotate
   * that wrote a new revision), then is held before the next (its own secret-changed).
   */
  hold(unitName: string, options: { after?: string } = {}): void {
    this.unit(unitName);
    if (options.after) this.holdAfter.set(unitName, options.after);
    else this.held.add(unitName);
  }

  async release(unitName: string): Promise<void> {
    this.held.delete(unitName);
    this.holdAfter.delete(unitName);
    await this.settle();
  }

  /**
   * Not Juju: a benchmark's shortcut (bench/scale.ts `--fleet-at-once`). Of a held unit's queued
   * -relation-joined and -relation-changed hooks, keeps only the last -relation-changed of each
   * relation, in its place, and puts every remote unit whose -relation-joined it dropped in the
   * unit's scope, so the unit meets a whole fleet in one hook. Juju runs every one of those hooks;
   * this exists only so that a charm whose every hook serves every unit (cost quadratic in the
   * fleet) can be brought to N = 1,000 to be measured there. Returns how many hooks it dropped.
   */
  skipQueuedRelationHooks(unitName: string): number {
    if (!this.held.has(unitName)) throw new SimError(`${unitName} is not held: its queue may be running`);
    const mine = this.model.queue.flatMap((q) => (q.unit === unitName && q.event.kind === "hook" && /-relation-(joined|changed)$/.test(q.event.name) ? [{ q, event: q.event }] : []));
    const lastChanged = new Map<string, QueuedEvent>(); // by relation id; later ones overwrite
    for (const { q, event } of mine) if (event.name.endsWith("-relation-changed")) lastChanged.set(event.env?.JUJU_RELATION_ID ?? "", q);
    const kept = new Set(lastChanged.values());
    const dropped = mine.filter(({ q }) => !kept.has(q));
    for (const { event } of dropped) if (event.name.endsWith("-relation-joined")) this.updateScope(unitName, event);
    const drop = new Set(dropped.map(({ q }) => q));
    this.model.queue = this.model.queue.filter((q) => !drop.has(q));
    this.save();
    return dropped.length;
  }

  // ---- the hook queue -----------------------------------------------------------------

  /**
   * Fault injection (tests/faults): `observer` is told after each hook-tool call of a running hook or
   * action (its unit, its name as in `runs`, how many calls it has made, and that call: the tool and
   * its arguments), e.g. to kill it there. The call is answered after the observer returns.
   */
  observeToolCalls(observer: ((unit: string, name: string, calls: number, last: { tool: string; args: readonly string[] }) => void) | null): void {
    this.server.onToolCall = observer ? (rt) => observer(rt.info.unit, rt.info.hookName || `action ${rt.info.dispatchPath.slice("actions/".length)}`, rt.calls.length, rt.calls.at(-1)!) : null;
  }

  /** Runs queued events in order until none is runnable. Units in error hold their events. */
  async settle(): Promise<void> {
    // One settle at a time: a juju-exec request (runJujuExecPromptly) may start one between verbs.
    while (this.settling) await this.settling.catch(() => undefined);
    this.settling = this.settleQueue();
    try {
      await this.settling;
    } finally {
      this.settling = null;
    }
  }

  /**
   * Like a unit agent, runs the hooks machines ask for with juju-exec (tests/sim/shims.ts) as they
   * arrive, not only when the next operator verb settles the model. Returns a stop function.
   */
  runJujuExecPromptly(intervalMs = 100): () => void {
    const timer = setInterval(() => {
      if (!this.settling && existsSync(this.jujuExecQueue()) && readdirSync(this.jujuExecQueue()).some((f) => !f.endsWith(".tmp"))) void this.settle();
    }, intervalMs);
    return () => clearInterval(timer);
  }

  private jujuExecQueue(): string {
    return join(this.paths.dir, "juju-exec-queue");
  }

  /** `juju-exec <unit> 'JUJU_DISPATCH_PATH=hooks/<name> ./dispatch'` requests, as queued hooks. */
  private takeJujuExecRequests(): QueuedEvent[] {
    const dir = this.jujuExecQueue();
    if (!existsSync(dir)) return [];
    const events: QueuedEvent[] = [];
    for (const file of readdirSync(dir).filter((f) => !f.endsWith(".tmp")).sort()) {
      const [unit = "", name = ""] = readFileSync(join(dir, file), "utf8").split("\n");
      rmSync(join(dir, file), { force: true });
      if (this.model.units[unit]?.life === "alive" && /^[a-z][a-z0-9-]*$/.test(name)) events.push({ unit, event: hook(name) });
    }
    return events;
  }

  private async settleQueue(): Promise<void> {
    let count = 0;
    for (;;) {
      this.model.queue.push(...timedSecretEvents(this.model, now(this.model)), ...this.takeJujuExecRequests());
      const index = this.model.queue.findIndex((q) => !this.model.units[q.unit]?.errorHook && !this.held.has(q.unit));
      if (index < 0) break;
      const limit = Math.max(MAX_HOOKS_PER_SETTLE, MAX_HOOKS_PER_UNIT_PER_SETTLE * Object.keys(this.model.units).length);
      if (++count > limit) throw new SimError(`more than ${limit} hooks without settling: the charm may be looping`);
      const next = this.model.queue[index]!;
      const failed = await this.runQueued(next);
      if (!failed) this.model.queue.splice(this.model.queue.indexOf(next), 1);
      this.save();
    }
    this.save();
  }

  /** Runs one event; true when it was a hook that failed (it stays queued, like Juju's retry). */
  private async runQueued({ unit: unitName, event }: QueuedEvent): Promise<boolean> {
    const unit = this.model.units[unitName];
    if (!unit) return false;
    if (event.kind === "internal") {
      this.finishUnitRemoval(unit);
      return false;
    }
    if (event.kind === "hook") this.updateScope(unitName, event);
    if (event.kind === "action") this.model.actions[event.id]!.status = "running";
    const relations = snapshotRelations(this.model);
    const revisions = latestRevisions(this.model);
    const run = await runEvent(this.model, this.paths, this.server, unitName, event, this.hookWrapper);
    if (event.kind === "hook" && this.holdAfter.get(unitName) === event.name) {
      this.holdAfter.delete(unitName);
      this.held.add(unitName);
    }
    this.runs.push(run);
    this.options.onHook?.(run);
    for (const observer of Sim.observers) observer.ran?.(this, run);
    if (run.exitCode !== 0) return event.kind === "hook";
    this.afterSecretRotate(event);
    this.model.queue.push(...notYetQueued(this.model.queue, relationChanges(this.model, relations, unitName)), ...secretChanges(this.model, revisions), ...secretRemovals(this.model));
    return false;
  }

  /** A secret-rotate that ran (or was skipped by `resolve --no-retry`) sets the next rotation time. */
  private afterSecretRotate(event: HookEvent, skipped = false): void {
    if (event.kind === "hook" && event.name === "secret-rotate" && event.env?.JUJU_SECRET_ID) {
      rescheduleRotation(this.model, parseSecretId(event.env.JUJU_SECRET_ID), now(this.model), skipped);
    }
  }

  /** relation-list reflects a joined unit from its -joined hook on, and drops a departed one at -departed. */
  private updateScope(unitName: string, event: Extract<HookEvent, { kind: "hook" }>): void {
    const env = event.env ?? {};
    const rel = this.model.relations.find((r) => r.id === Number(env.JUJU_RELATION_ID?.split(":").pop()));
    if (!rel || !env.JUJU_REMOTE_UNIT) return;
    const seen = (rel.scope[unitName] ??= []);
    if (event.name.endsWith("-relation-joined") && !seen.includes(env.JUJU_REMOTE_UNIT)) seen.push(env.JUJU_REMOTE_UNIT);
    if (event.name.endsWith("-relation-departed")) rel.scope[unitName] = seen.filter((u) => u !== env.JUJU_REMOTE_UNIT);
  }

  private finishUnitRemoval(unit: UnitState): void {
    unit.life = "dead";
    killWorkloads(unit.dataDir);
    const app = this.app(unit.app);
    app.units = app.units.filter((u) => u !== unit.name);
    delete this.model.units[unit.name];
    for (const rel of this.model.relations) delete rel.scope[unit.name];
    for (const secret of Object.values(this.model.secrets)) delete secret.tracking[unit.name];
    if (app.leader === unit.name) {
      app.leader = app.units[0] ?? null;
      if (app.leader) this.queue(app.leader, hook("leader-elected"));
    }
  }

  // ---- event sequences ----------------------------------------------------------------

  private queueUnitStartup(unit: UnitState, app: AppState): void {
    this.queue(unit.name, hook("install"));
    const relations = this.model.relations.filter((r) => !r.dying && r.ends.some((e) => e.app === app.name));
    for (const rel of relations) {
      this.enterRelation(rel, unit.name);
      this.queue(unit.name, hook(`${endpointOf(rel, app.name)}-relation-created`, relationEnv(rel, app.name, null, remoteAppOf(rel, app.name))));
    }
    if (!app.leader) {
      app.leader = unit.name;
      this.queue(unit.name, hook("leader-elected"));
    } else {
      this.queue(unit.name, hook("leader-settings-changed"));
    }
    this.queue(unit.name, hook("config-changed"));
    this.queue(unit.name, hook("start"));
    for (const rel of relations) {
      const others = rel.ends.length === 1 ? app.units.filter((u) => u !== unit.name) : this.aliveUnits(remoteAppOf(rel, app.name));
      for (const other of others) {
        if (this.model.units[other]?.life !== "alive") continue;
        this.queueJoin(rel, unit.name, other);
        this.queueJoin(rel, other, unit.name);
      }
    }
  }

  /** Juju fills a unit's own bag with its addresses when it enters a relation (juju-runtime.md §3). */
  private enterRelation(rel: RelationState, unitName: string): void {
    const address = this.unit(unitName).address;
    rel.unitData[unitName] = { ...rel.unitData[unitName], "egress-subnets": `${address}/32`, "ingress-address": address, "private-address": address };
  }

  /** `observer` sees `remote` join: relation-joined then relation-changed. */
  private queueJoin(rel: RelationState, observer: string, remote: string): void {
    const app = appOf(observer);
    const env = relationEnv(rel, app, remote, appOf(remote));
    this.queue(observer, hook(`${endpointOf(rel, app)}-relation-joined`, env));
    this.queue(observer, hook(`${endpointOf(rel, app)}-relation-changed`, env));
  }

  /** A dying unit and everyone who sees it get relation-departed. */
  private queueDeparture(rel: RelationState, leaving: string): void {
    const leavingApp = appOf(leaving);
    for (const remote of rel.scope[leaving] ?? []) {
      this.queue(leaving, hook(`${endpointOf(rel, leavingApp)}-relation-departed`, { ...relationEnv(rel, leavingApp, remote, appOf(remote)), JUJU_DEPARTING_UNIT: leaving }));
    }
    for (const [observer, seen] of Object.entries(rel.scope)) {
      if (observer === leaving || !seen.includes(leaving)) continue;
      const app = appOf(observer);
      this.queue(observer, hook(`${endpointOf(rel, app)}-relation-departed`, { ...relationEnv(rel, app, leaving, leavingApp), JUJU_DEPARTING_UNIT: leaving }));
    }
  }

  private queue(unit: string, event: HookEvent): void {
    this.model.queue.push({ unit, event });
  }

  /** The model's next unit address (unitAddress). */
  private nextAddress(): string {
    return unitAddress(this.model.addressPrefix, this.model.nextAddressOctet++ - 2);
  }

  // ---- lookups and validation ---------------------------------------------------------

  app(name: string): AppState {
    const app = this.model.apps[name];
    if (!app) throw new SimError(`application "${name}" not found`);
    return app;
  }

  unit(name: string): UnitState {
    const unit = this.model.units[name];
    if (!unit) throw new SimError(`unit "${name}" not found`);
    return unit;
  }

  aliveUnits(appName: string): string[] {
    return this.app(appName).units.filter((u) => this.model.units[u]?.life === "alive");
  }

  private userSecret(nameOrUri: string) {
    const byName = Object.values(this.model.secrets).find((s) => s.ownerKind === "model" && s.name === nameOrUri);
    if (byName) return byName;
    const secret = this.model.secrets[parseSecretId(nameOrUri)];
    if (!secret || secret.ownerKind !== "model") throw new SimError(`secret "${nameOrUri}" not found`);
    return secret;
  }

  /** `juju config` type checks: the value is refused before any hook runs. */
  private checkConfig(app: AppState, values: Record<string, string>): Record<string, string | number | boolean> {
    const result: Record<string, string | number | boolean> = {};
    for (const [key, raw] of Object.entries(values)) {
      const option = app.charm.config[key];
      if (!option) throw new SimError(`unknown option "${key}"`);
      result[key] = convertOption(key, option.type, raw);
    }
    return result;
  }

  private matchEndpoints(a: string, b: string) {
    type End = { app: string; endpoint: string; role: "provides" | "requires"; interface: string };
    const ends = (spec: string): End[] => {
      const [appName = "", endpoint] = spec.split(":");
      const app = this.app(appName);
      const all: End[] = [
        ...Object.entries(app.charm.meta.provides).map(([e, s]) => ({ app: appName, endpoint: e, role: "provides" as const, interface: s.interface })),
        ...Object.entries(app.charm.meta.requires).map(([e, s]) => ({ app: appName, endpoint: e, role: "requires" as const, interface: s.interface })),
      ];
      return endpoint ? all.filter((e) => e.endpoint === endpoint) : all;
    };
    const pairs: [End, End][] = [];
    for (const x of ends(a)) for (const y of ends(b)) if (x.interface === y.interface && x.role !== y.role) pairs.push([x, y]);
    if (pairs.length === 0) throw new SimError(`no relations found between "${a}" and "${b}"`);
    if (pairs.length > 1) {
      const list = pairs.map(([x, y]) => `${x.app}:${x.endpoint} ${y.app}:${y.endpoint}`).join(", ");
      throw new SimError(`ambiguous relation: "${a} ${b}" could refer to ${list}`);
    }
    return pairs[0]!;
  }

  /** Copies a charm (source tree or .charm) into the model so later edits do not leak in. */
  private stageCharm(source: string, appName?: string): string {
    const target = join(this.paths.charms, `${appName ?? basename(source).replace(/\.charm$/, "")}-${Date.now()}`);
    mkdirSync(target, { recursive: true });
    if (source.endsWith(".charm")) {
      execFileSync("unzip", ["-q", "-o", resolve(source), "-d", target]);
    } else {
      const entries = readdirSync(source);
      const nodeProject = entries.includes("package.json") && entries.includes("src");
      if (nodeProject && !entries.includes("dist")) throw new SimError(`${source} has no dist/: run npm run build first`);
      for (const entry of entries) {
        if (NEVER_DEPLOYED.has(entry) || (nodeProject && entry === "node_modules")) continue;
        cpSync(join(source, entry), join(target, entry), { recursive: true, verbatimSymlinks: true });
      }
    }
    return target;
  }
}

function status(name: UnitState["status"]["status"], message: string) {
  return { status: name, message, since: new Date().toISOString() };
}

/**
 * The `index`th unit address of a model whose prefix is <a>.<b>.<c>.: <c>.2 to <c>.254, then on into
 * the following /24s of the model's /16, wrapping past .255 to .0 (the prefix's third octet is
 * random, and the scale benchmark's models hold thousands of units).
 */
export function unitAddress(prefix: string, index: number): string {
  const [a, b, c] = prefix.split(".").map(Number) as [number, number, number];
  const offset = Math.floor(index / 253);
  if (offset > 255) throw new SimError("this model has used every unit address of its /16");
  return `${a}.${b}.${(c + offset) % 256}.${(index % 253) + 2}`;
}

function hook(name: string, env?: Record<string, string>): HookEvent {
  return env ? { kind: "hook", name, env } : { kind: "hook", name };
}

function newRelation(id: number, iface: string, ends: RelationState["ends"]): RelationState {
  return { id, interface: iface, ends, appData: {}, unitData: {}, scope: {}, dying: false };
}

function endpointOf(rel: RelationState, app: string): string {
  return rel.ends.find((e) => e.app === app)!.endpoint;
}

function remoteAppOf(rel: RelationState, app: string): string {
  return rel.ends.find((e) => e.app !== app)?.app ?? app;
}

function encodeContent(content: Record<string, string>): Record<string, string> {
  const encoded: Record<string, string> = {};
  for (const [key, value] of Object.entries(content)) {
    if (!SECRET_KEY.test(key)) throw new SimError(`invalid secret key "${key}": keys are lowercase letters, digits and dashes, at least 3 long`);
    encoded[key] = Buffer.from(value).toString("base64");
  }
  if (Object.keys(encoded).length === 0) throw new SimError("secret content is empty");
  return encoded;
}

function convertOption(key: string, type: string, raw: string): string | number | boolean {
  switch (type) {
    case "int":
      if (!/^-?\d+$/.test(raw)) throw new SimError(`option "${key}" expected int, got "${raw}"`);
      return Number(raw);
    case "float":
      if (!Number.isFinite(Number(raw)) || raw.trim() === "") throw new SimError(`option "${key}" expected float, got "${raw}"`);
      return Number(raw);
    case "boolean":
      if (!["true", "false"].includes(raw)) throw new SimError(`option "${key}" expected boolean, got "${raw}"`);
      return raw === "true";
    case "secret":
      if (raw !== "" && !/^secret:/.test(raw)) throw new SimError(`option "${key}" expected secret URI, got "${raw}"`);
      return raw;
    default:
      return raw;
  }
}

/** Running, not a zombie waiting to be reaped (whose /proc state letter is Z). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Kills the workload daemons a unit's systemctl shim started (pid files under <root>/run). */
function killWorkloads(dataDir: string): void {
  const run = join(dataDir, "run");
  if (!existsSync(run)) return;
  for (const file of readdirSync(run).filter((f) => f.endsWith(".pid"))) {
    const pid = Number(readFileSync(join(run, file), "utf8"));
    try {
      if (pid > 0) process.kill(-pid, "SIGKILL"); // setsid made it a group leader
    } catch {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    rmSync(join(run, file), { force: true });
  }
}
