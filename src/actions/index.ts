// Action registry. Each action module is loaded only when its action runs, so hooks do not pay
// for code they never execute.
import type { Hook } from "../hook.js";

/** A failure the operator should see as the action's message (bad params, wrong unit, ...). */
export class ActionError extends Error {}

/** Returns the action's results; throw ActionError to fail it with a message. */
export type ActionHandler = (hook: Hook, params: Record<string, unknown>) => Promise<Record<string, unknown>>;

type ActionModule = { run: ActionHandler };

/** Actions this charm version implements; actions.yaml may declare more for later versions. */
const ACTIONS: Record<string, () => Promise<ActionModule>> = {};

export async function loadAction(name: string): Promise<ActionHandler | null> {
  const load = ACTIONS[name];
  return load ? (await load()).run : null;
}

/** Leader-only actions refuse clearly on other units instead of half-working. */
export function requireLeader(hook: Hook, action: string): void {
  if (!hook.isLeader) throw new ActionError(`${action} must run on the leader unit (juju run vault/leader ${action} ...)`);
}
