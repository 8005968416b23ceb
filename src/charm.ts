// The charm, for every event: set up the Vault it operates (the local workload, or an external
// Vault), do the event's own job (an action), reconcile Vault's state and the charm's access, then
// report one status (DESIGN.md §2).
import { ActionError, loadAction, type ActionContext } from "./actions/index.js";
import type { Authorisation } from "./authorization.js";
import { externalBackend, localBackend, type VaultBackend } from "./backend.js";
import type { Hook } from "./hook.js";
import { actionFail, actionGet, actionSet, describeEvent, HookToolError, setAppStatus, setUnitStatus, type Logger } from "./juju/index.js";
import { policyPrefixVerdict, settleMountPrefix } from "./mount-prefix.js";
import { forgetAnnounced } from "./relations/vault-kv/awaiting.js";
import { active, blocked, pickVerdict, type Verdict } from "./status.js";
import type { VaultClient } from "./vault/client.js";
import { VaultError } from "./vault/errors.js";
import { recall, remember } from "./hook-memo.js";
import { requestStraySweep } from "./unfinished-hook.js";
import { describeTally } from "./vault/request-kinds.js";

export interface HookOutcome {
  unit: Verdict;
  /** Only computed on the leader. */
  app: Verdict | null;
}

/** The charm's Vault session, opened once per hook on first use and kept between hooks (src/kept-token.ts). */
class CharmSession {
  private session: Promise<Authorisation> | null = null;
  constructor(
    private readonly hook: Hook,
    private readonly backend: VaultBackend,
  ) {}

  get(): Promise<Authorisation> | null {
    const opening = (this.session ??= this.backend.openSession());
    // A session that failed to open (Vault sealed or silent at that moment) is not kept: a later
    // step of the same hook asks again instead of re-throwing the first failure.
    opening?.catch(() => {
      if (this.session === opening) this.session = null;
    });
    return opening;
  }

  /** A unit going away revokes the token it kept; any other hook leaves it for the next one. */
  async close(): Promise<void> {
    const event = this.hook.event;
    if (event.type !== "lifecycle" || (event.hook !== "stop" && event.hook !== "remove")) return;
    await this.backend.endSession().catch((e: Error) => this.hook.log.warn(`could not revoke the charm's kept Vault token: ${e.message}`));
  }
}

/** Actions that operate the local Vault itself; an external Vault is its operators' to run. */
const LOCAL_ONLY_ACTIONS = new Set(["initialize", "unseal", "authorize-charm"]);

async function runAction(hook: Hook, name: string, backend: VaultBackend, session: CharmSession): Promise<void> {
  const handler = await loadAction(name);
  if (!handler) {
    actionFail(`action ${name} is not available in this version of the charm`);
    return;
  }
  if (backend.mode === "external" && LOCAL_ONLY_ACTIONS.has(name)) {
    actionFail(`${name} operates a local Vault; this charm uses the external Vault at ${hook.config.vaultUrl} (vault-url is set)`);
    return;
  }
  const notRunning = backend.mode === "local" ? "Vault is not running on this unit yet: see juju status" : `the external Vault is used by the leader only: juju run ${hook.juju.appName}/leader ${name}`;
  const context: ActionContext = {
    hook,
    params: actionGet(),
    vault: (): VaultClient => {
      if (!backend.vault) throw new ActionError(notRunning);
      return backend.vault;
    },
    charmVault: async () => {
      const access = await session.get();
      if (!access?.client) throw new ActionError(access?.verdicts[0]?.message ?? notRunning);
      return access.client;
    },
    endpoint: backend.endpoint,
  };
  try {
    actionSet(await handler(context));
  } catch (error) {
    // Vault's refusals and silences, and Juju's refusals of a hook tool, are the operator's to read,
    // not a crashed hook; their messages carry Vault's or Juju's error text and the path, never a
    // token or a request body.
    if (!(error instanceof ActionError) && !(error instanceof VaultError) && !(error instanceof HookToolError)) throw error;
    // Failed part-way, the action may have issued what it never recorded (its own messages wrap
    // Vault's refusals too), and this hook exits 0: the next update-status looks for strays.
    requestStraySweep();
    hook.log.warn(`action ${name} failed: ${error.message}`);
    actionFail(error.message);
  }
}

export async function handleEvent(hook: Hook): Promise<HookOutcome> {
  hook.log.debug(`handling ${describeEvent(hook.event)}`);
  const verdicts: Verdict[] = [];
  settleMountPrefix(hook);
  forgetAnnounced(hook);
  if (hook.configProblems.length > 0) verdicts.push(blocked(`Invalid config: ${hook.configProblems.join("; ")}`));

  const backend = hook.config.vaultUrl ? await externalBackend(hook) : await localBackend(hook);
  verdicts.push(...backend.verdicts);
  const session = new CharmSession(hook, backend);
  try {
    // Vault first (started, unsealed, an active node elected), then the action: an action never
    // fails because this very hook had not unsealed Vault yet. Actions that change Vault's state
    // (initialize, unseal) are followed by a second look, so status tells what they did.
    let state = await backend.reconcile();
    if (hook.event.type === "action") {
      await runAction(hook, hook.event.name, backend, session);
      state = await backend.reconcile();
    }
    verdicts.push(...state.verdicts);
    const opening = state.ready ? session.get() : null;
    if (opening && backend.endpoint) {
      const access = await opening;
      verdicts.push(...access.verdicts);
      const uncovered = policyPrefixVerdict(hook);
      if (uncovered) verdicts.push(uncovered);
      if (access.client && hook.isLeader && !uncovered) {
        const { serveConsumers } = await import("./relations/vault-kv/provider.js");
        verdicts.push(...(await serveConsumers(hook, access.client, backend.endpoint)));
        // The bounded drift audit: what killed hooks and actions left in Vault (src/strays.ts).
        if (hook.event.type === "lifecycle" && hook.event.hook === "update-status" && backend.mode === "local") {
          await (await import("./strays.js")).sweepStraySecretIds(hook, access.client);
        }
      }
    }
    if (hook.isLeader) {
      // Owned secrets' rotate/expired/remove (src/secrets); without a session, removals wait for one.
      await (await import("./secrets/events.js")).serveOwnedSecrets(hook, opening && backend.endpoint ? (await opening).client : null);
    } else {
      // A unit that lost leadership takes back the legacy credentials it published as leader.
      const [{ withdrawLegacyCredentials }, { VAULT_KV_ENDPOINTS }] = await Promise.all([import("./relations/vault-kv/legacy.js"), import("./relations/vault-kv/provider.js")]);
      withdrawLegacyCredentials(hook, VAULT_KV_ENDPOINTS);
    }
  } finally {
    await session.close();
    hook.log.debug(describeTally());
  }
  const unit = pickVerdict(verdicts, active("Ready"));
  return { unit, app: hook.isLeader ? unit : null };
}

const sameVerdict = (a: Verdict | null | undefined, b: Verdict | null) => a?.level === b?.level && a?.message === b?.message;

/**
 * Faults (level "error") are not statuses a charm can set: the hook fails and Juju shows it. Juju
 * keeps a status until it is set again (a failed hook is shown over it, not in its place), so an
 * update-status that finds what the unit last set, within the memo's hour, does not set it again.
 */
export function publishStatus(outcome: HookOutcome, log: Logger): boolean {
  if (outcome.unit.level === "error") {
    log.error(outcome.unit.message);
    return false;
  }
  const last = recall("status");
  if (!sameVerdict(last?.unit, outcome.unit)) setUnitStatus(outcome.unit.level, outcome.unit.message);
  const app = outcome.app;
  if (app && app.level !== "error" && !sameVerdict(last?.app, app)) setAppStatus(app.level, app.message);
  remember("status", { unit: outcome.unit, app: app && app.level !== "error" ? app : null });
  return true;
}
