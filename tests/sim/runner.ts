// Running one hook or action as a real process of the unit's dispatch, with an environment built
// from scratch (juju-runtime.md §1.2), and committing its buffered writes only on exit 0.
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { pinnedNodeDir } from "../../scripts/hook-node.js";
import { applyPending, commitRefusal } from "./commit.js";
import type { HookServer } from "./hook-server.js";
import { emptyPending, type HookRuntime } from "./hooktools/context.js";
import { jujuVersion } from "./juju-version.js";
import { projectRoot } from "./paths.js";
import type { ModelPaths } from "./store.js";
import type { HookContextInfo, HookEvent, ModelState } from "./types.js";

export interface HookRun {
  unit: string;
  name: string;
  exitCode: number;
  durationMs: number;
  toolCalls: { tool: string; args: string[]; ms: number; code?: number }[];
  /** A relation hook's remote unit (JUJU_REMOTE_UNIT), when it has one. */
  remoteUnit?: string;
}

let contextCounter = 0;
const HOOK_TIMEOUT_MS = 300_000;

export function now(model: ModelState): Date {
  return new Date(Date.now() + model.clockOffsetMs);
}

function hookInfo(model: ModelState, unit: string, event: Exclude<HookEvent, { kind: "internal" }>): HookContextInfo {
  const env = event.kind === "hook" ? (event.env ?? {}) : {};
  const relationId = env.JUJU_RELATION_ID ? Number(env.JUJU_RELATION_ID.split(":").pop()) : null;
  return {
    contextId: `${unit}-${process.pid}-${++contextCounter}`,
    unit,
    hookName: event.kind === "hook" ? event.name : "",
    dispatchPath: event.kind === "hook" ? `hooks/${event.name}` : `actions/${event.name}`,
    relationId,
    remoteUnit: env.JUJU_REMOTE_UNIT || null,
    remoteApp: env.JUJU_REMOTE_APP || null,
    departingUnit: env.JUJU_DEPARTING_UNIT || null,
    secretId: env.JUJU_SECRET_ID || null,
    secretRevision: env.JUJU_SECRET_REVISION ? Number(env.JUJU_SECRET_REVISION) : null,
    actionId: event.kind === "action" ? event.id : null,
  };
}

function hookEnv(model: ModelState, paths: ModelPaths, info: HookContextInfo, event: Exclude<HookEvent, { kind: "internal" }>): NodeJS.ProcessEnv {
  const unit = model.units[info.unit]!;
  const extra = event.kind === "hook" ? (event.env ?? {}) : { JUJU_ACTION_NAME: event.name, JUJU_ACTION_UUID: event.id, JUJU_ACTION_TAG: `action-${event.id}` };
  return {
    CHARM_DIR: unit.charmDir,
    JUJU_CHARM_DIR: unit.charmDir,
    JUJU_CONTEXT_ID: info.contextId,
    JUJU_HOOK_NAME: info.hookName,
    JUJU_DISPATCH_PATH: info.dispatchPath,
    JUJU_AGENT_SOCKET_ADDRESS: paths.socket,
    JUJU_AGENT_SOCKET_NETWORK: "unix",
    JUJU_UNIT_NAME: info.unit,
    JUJU_MODEL_UUID: model.uuid,
    JUJU_MODEL_NAME: model.name,
    JUJU_API_ADDRESSES: "127.0.0.1:17070",
    JUJU_MACHINE_ID: String(unit.address.split(".").pop()),
    JUJU_PRINCIPAL_UNIT: "",
    JUJU_AVAILABILITY_ZONE: "",
    JUJU_VERSION: jujuVersion(model),
    CLOUD_API_VERSION: "",
    LANG: "C.UTF-8",
    TERM: "tmux-256color",
    DEBIAN_FRONTEND: "noninteractive",
    APT_LISTCHANGES_FRONTEND: "none",
    // Hooks run on the Node runtime the .charm ships (a source tree's dispatch runs `node` from PATH).
    PATH: `${paths.tools}:${paths.shims}:${pinnedNodeDir(projectRoot())}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    // The simulator's one seam: where this unit's "machine" keeps its files.
    VAULT_CHARM_SIM_ROOT: unit.dataDir,
    ...extra,
  };
}

/**
 * What Juju runs for an event (uniter/runner/runner.go runCharmProcessOnLocal): `dispatch` when the
 * charm has it, else the hook's or action's own executable (hooks/install, actions/backup), or
 * nothing when that is missing.
 */
function entryPoint(charmDir: string, dispatchPath: string): string | null {
  const dispatch = join(charmDir, "dispatch");
  if (existsSync(dispatch)) return dispatch;
  const own = join(charmDir, dispatchPath);
  return existsSync(own) ? own : null;
}

/**
 * `wrapper` prefixes the dispatch command (e.g. /usr/bin/time for the benchmark's peak RSS); the
 * hook still runs as its own process with the same environment.
 */
export async function runEvent(
  model: ModelState,
  paths: ModelPaths,
  server: HookServer,
  unitName: string,
  event: Exclude<HookEvent, { kind: "internal" }>,
  wrapper: string[] = [],
): Promise<HookRun> {
  const info = hookInfo(model, unitName, event);
  const unit = model.units[unitName]!;
  const logFile = join(paths.logs, `${unitName.replace("/", "-")}.log`);
  mkdirSync(paths.logs, { recursive: true });
  const label = info.hookName || `action ${event.name}`;
  const log = (level: string, message: string) => appendFileSync(logFile, `${now(model).toISOString()} ${level} ${unitName} ${label}: ${message}\n`);
  const runtime: HookRuntime = { info, model, pending: emptyPending(), log, now: () => now(model), calls: [] };
  server.register(runtime);
  const started = performance.now();
  let stdout = "";
  let stderr = "";
  const entry = entryPoint(unit.charmDir, info.dispatchPath);
  let exitCode = await new Promise<number>((resolve) => {
    if (entry === null) {
      // No hooks/<name> and no dispatch: Juju skips the hook ("not implemented") and it succeeds;
      // an action without its script fails.
      if (event.kind === "action") stderr = `action "${event.name}" not implemented on unit "${unitName}"`;
      resolve(event.kind === "action" ? 1 : 0);
      return;
    }
    const command = [...wrapper, entry];
    const child = spawn(command[0]!, command.slice(1), { cwd: unit.charmDir, env: hookEnv(model, paths, info, event), stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), HOOK_TIMEOUT_MS);
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", (error) => {
      stderr += String(error);
      resolve(127);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code ?? 1);
    });
  });
  server.unregister(info.contextId);
  // A hook that exited 0 can still fail when its buffered changes are committed (commit.ts).
  const refusal = exitCode === 0 ? commitRefusal(model, info, runtime.pending) : null;
  if (refusal) {
    stderr += `ERROR ${refusal}\n`;
    exitCode = 1;
  }
  if (stdout.trim()) log("DEBUG", `stdout: ${stdout.trim()}`);
  if (stderr.trim()) log("WARNING", `stderr: ${stderr.trim()}`);

  if (event.kind === "action") {
    const record = model.actions[event.id]!;
    record.results = { ...record.results, "return-code": String(exitCode), ...(stdout ? { stdout } : {}), ...(stderr ? { stderr } : {}) };
    if (exitCode !== 0) {
      record.status = "failed";
      record.message ??= refusal ?? `exit status ${exitCode}`;
    } else if (record.status === "running") record.status = "completed";
  }
  if (exitCode === 0) {
    applyPending(model, info, runtime.pending, now(model));
    if (event.kind === "hook") unit.errorHook = null;
  } else if (event.kind === "hook") {
    unit.errorHook = info.hookName;
    log("ERROR", refusal ? `hook failed: ${refusal}` : `hook failed with exit code ${exitCode}`);
  }
  const remoteUnit = event.kind === "hook" ? event.env?.JUJU_REMOTE_UNIT : undefined;
  return { unit: unitName, name: label, exitCode, durationMs: performance.now() - started, toolCalls: runtime.calls, ...(remoteUnit ? { remoteUnit } : {}) };
}
