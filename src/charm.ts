// The charm: event-specific work first, then the same idempotent reconcile for every event, then
// one status computed from what reconcile saw (DESIGN.md §2).
import { ActionError, loadAction } from "./actions/index.js";
import type { Hook } from "./hook.js";
import { actionFail, actionSet, describeEvent, setAppStatus, setUnitStatus, type Logger } from "./juju/index.js";
import { active, blocked, pickVerdict, type Verdict } from "./status.js";
import { reconcileWorkload } from "./workload.js";

export interface HookOutcome {
  unit: Verdict;
  /** Only computed on the leader. */
  app: Verdict | null;
}

async function runAction(hook: Hook, name: string): Promise<void> {
  const handler = await loadAction(name);
  if (!handler) {
    actionFail(`action ${name} is not available in this version of the charm`);
    return;
  }
  const { actionGet } = await import("./juju/index.js");
  try {
    const results = await handler(hook, actionGet());
    actionSet(results);
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    hook.log.warn({ action: name }, `action failed: ${error.message}`);
    actionFail(error.message);
  }
}

/** Reads the world, converges what this unit owns, and reports one verdict per concern. */
async function reconcile(hook: Hook): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  if (hook.configProblems.length > 0) verdicts.push(blocked(`Invalid config: ${hook.configProblems.join("; ")}`));
  verdicts.push(...(await reconcileWorkload(hook)));
  return verdicts;
}

export async function handleEvent(hook: Hook): Promise<HookOutcome> {
  hook.log.debug(`handling ${describeEvent(hook.event)}`);
  if (hook.event.type === "action") await runAction(hook, hook.event.name);
  const verdicts = await reconcile(hook);
  const unit = pickVerdict(verdicts, active("Ready"));
  return { unit, app: hook.isLeader ? unit : null };
}

/** Faults (level "error") are not statuses a charm can set: the hook fails and Juju shows it. */
export function publishStatus(outcome: HookOutcome, log: Logger): boolean {
  if (outcome.unit.level === "error") {
    log.error(outcome.unit.message);
    return false;
  }
  setUnitStatus(outcome.unit.level, outcome.unit.message);
  if (outcome.app && outcome.app.level !== "error") setAppStatus(outcome.app.level, outcome.app.message);
  return true;
}
