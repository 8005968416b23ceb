// Action registry. Each action module is loaded only when its action runs, so hooks do not pay
// for code they never execute.
import type { Hook } from "../hook.js";
import type { VaultClient } from "../vault/client.js";
import type { VaultEndpoint } from "../workload.js";

/** A failure the operator should see as the action's message (bad params, wrong unit, ...). */
export class ActionError extends Error {}

export interface ActionContext {
  hook: Hook;
  params: Record<string, unknown>;
  /** A client for this unit's Vault (no token); throws ActionError when Vault is not running here. */
  vault(): VaultClient;
  /** The charm's own Vault session (its AppRole); throws ActionError when it is not authorised. */
  charmVault(): Promise<VaultClient>;
  /** Where this unit's Vault answers, once it runs. */
  endpoint: VaultEndpoint | null;
}

/** Returns the action's results; throw ActionError to fail it with a message. */
export type ActionHandler = (ctx: ActionContext) => Promise<Record<string, unknown>>;

type LoadHandler = () => Promise<ActionHandler>;
const runOf = (load: () => Promise<{ run: ActionHandler }>): LoadHandler => async () => (await load()).run;

/** Actions this charm version implements; actions.yaml may declare more for later versions. */
const ACTIONS: Record<string, LoadHandler> = {
  initialize: runOf(() => import("./initialize.js")),
  unseal: runOf(() => import("./unseal.js")),
  "authorize-charm": runOf(() => import("./authorize-charm.js")),
  "vault-status": runOf(() => import("./vault-status.js")),
  "refresh-secrets": runOf(() => import("./refresh-secrets.js")),
  "generate-secret-id": runOf(() => import("./generate-secret-id.js")),
  "kv-get": async () => (await import("./kv/read.js")).kvGet,
  "kv-list": async () => (await import("./kv/read.js")).kvList,
  "kv-versions": async () => (await import("./kv/read.js")).kvVersions,
  "kv-put": async () => (await import("./kv/write.js")).kvPut,
  "kv-delete": async () => (await import("./kv/write.js")).kvDelete,
  "kv-undelete": async () => (await import("./kv/write.js")).kvUndelete,
  "kv-destroy": async () => (await import("./kv/write.js")).kvDestroy,
  "kv-delete-metadata": async () => (await import("./kv/write.js")).kvDeleteMetadata,
};

export async function loadAction(name: string): Promise<ActionHandler | null> {
  const load = ACTIONS[name];
  return load ? load() : null;
}

/** Leader-only actions refuse clearly on other units instead of half-working. */
export function requireLeader(hook: Hook, action: string): void {
  if (!hook.isLeader) throw new ActionError(`${action} must run on the leader unit (juju run ${hook.juju.appName}/leader ${action})`);
}

export function stringParam(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (typeof value !== "string" || value.trim() === "") throw new ActionError(`parameter ${name} is required`);
  return value.trim();
}

export function optionalString(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw new ActionError(`parameter ${name} must be a string`);
  return value.trim();
}

export function integerParam(params: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = params[name];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ActionError(`parameter ${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}
