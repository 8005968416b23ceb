// The charm, for every event: converge the local workload (so Vault runs), do the event's own job
// (an action), reconcile Vault's state and the charm's access, then report one status (DESIGN.md §2).
import { ActionError, loadAction, type ActionContext } from "./actions/index.js";
import { authorise, type Authorisation } from "./authorization.js";
import type { Hook } from "./hook.js";
import { actionFail, actionGet, actionSet, describeEvent, setAppStatus, setUnitStatus, type Logger } from "./juju/index.js";
import { reconcileVaultState } from "./lifecycle.js";
import { active, blocked, pickVerdict, type Verdict } from "./status.js";
import { VaultClient } from "./vault/client.js";
import { revokeSelf } from "./vault/sys.js";
import { reconcileWorkload, type VaultEndpoint } from "./workload.js";

export interface HookOutcome {
  unit: Verdict;
  /** Only computed on the leader. */
  app: Verdict | null;
}

function localVault(endpoint: VaultEndpoint | null): VaultClient | null {
  return endpoint ? new VaultClient({ url: endpoint.url, caPem: endpoint.caPem }) : null;
}

/** The charm's AppRole session, made once per hook on first use and revoked at the end. */
class CharmSession {
  private session: Promise<Authorisation> | null = null;
  constructor(
    private readonly hook: Hook,
    private readonly vault: VaultClient | null,
  ) {}

  get(): Promise<Authorisation> | null {
    if (!this.vault) return null;
    this.session ??= authorise(this.hook, this.vault);
    return this.session;
  }

  async close(): Promise<void> {
    const client = this.session ? (await this.session.catch(() => null))?.client : null;
    // Tokens live 1h; this hook's is of no use to the next one, so it goes now.
    if (client) await revokeSelf(client).catch((e: Error) => this.hook.log.warn(`could not revoke the hook's token: ${e.message}`));
  }
}

async function runAction(hook: Hook, name: string, vault: VaultClient | null, session: CharmSession, endpoint: VaultEndpoint | null): Promise<void> {
  const handler = await loadAction(name);
  if (!handler) {
    actionFail(`action ${name} is not available in this version of the charm`);
    return;
  }
  const context: ActionContext = {
    hook,
    params: actionGet(),
    vault: () => {
      if (!vault) throw new ActionError("Vault is not running on this unit yet: see juju status");
      return vault;
    },
    charmVault: async () => {
      const access = await session.get();
      if (!access?.client) throw new ActionError(access?.verdicts[0]?.message ?? "Vault is not running on this unit yet: see juju status");
      return access.client;
    },
    endpoint,
  };
  try {
    actionSet(await handler(context));
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    hook.log.warn(`action ${name} failed: ${error.message}`);
    actionFail(error.message);
  }
}

export async function handleEvent(hook: Hook): Promise<HookOutcome> {
  hook.log.debug(`handling ${describeEvent(hook.event)}`);
  const verdicts: Verdict[] = [];
  if (hook.configProblems.length > 0) verdicts.push(blocked(`Invalid config: ${hook.configProblems.join("; ")}`));

  const workload = await reconcileWorkload(hook);
  verdicts.push(...workload.verdicts);
  const vault = localVault(workload.endpoint);
  const session = new CharmSession(hook, vault);
  try {
    if (hook.event.type === "action") await runAction(hook, hook.event.name, vault, session, workload.endpoint);
    if (vault && workload.endpoint) {
      const state = await reconcileVaultState(hook, vault, workload.restarted);
      verdicts.push(...state.verdicts);
      if (state.health && state.health.initialized && !state.health.sealed) {
        const access = (await session.get())!;
        verdicts.push(...access.verdicts);
        if (access.client && hook.isLeader) {
          const { serveConsumers } = await import("./relations/vault-kv/provider.js");
          verdicts.push(...(await serveConsumers(hook, access.client, workload.endpoint)));
        }
      }
    }
  } finally {
    await session.close();
  }
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
