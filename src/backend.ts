// Which Vault the charm operates: its own local one (installed, configured, unsealed here), or an
// existing external one (config vault-url). Both give the same things to the rest of the charm:
// an endpoint, a client, Vault's state as verdicts, and a way to open the charm's session.
import { authorise, charmSessionToken, type Authorisation } from "./authorization.js";
import type { Hook } from "./hook.js";
import { reconcileVaultState } from "./lifecycle.js";
import { active, blocked, waiting, type Verdict } from "./status.js";
import { VaultClient } from "./vault/client.js";
import { VaultUnreachableError } from "./vault/errors.js";
import { health } from "./vault/sys.js";
import { reconcileWorkload, type VaultEndpoint } from "./workload.js";

export interface VaultBackend {
  mode: "local" | "external";
  endpoint: VaultEndpoint | null;
  /** A client without a token; null while the local Vault is not running. */
  vault: VaultClient | null;
  /** Verdicts from setting the backend up (installing the local workload). */
  verdicts: Verdict[];
  /** Vault's own state; `ready` when it is initialised and unsealed, so the charm may use it. */
  reconcile(): Promise<{ verdicts: Verdict[]; ready: boolean }>;
  /** Opens the charm's session on this Vault; null when this unit does not hold one. */
  openSession(): Promise<Authorisation> | null;
  /** Revokes the token the unit keeps between hooks (the unit is going away). */
  endSession(): Promise<void>;
}

export async function localBackend(hook: Hook): Promise<VaultBackend> {
  const workload = await reconcileWorkload(hook);
  const endpoint = workload.endpoint;
  const vault = endpoint ? new VaultClient({ url: endpoint.url, caPem: endpoint.caPem, ...(endpoint.socketPath ? { socketPath: endpoint.socketPath } : {}) }) : null;
  return {
    mode: "local",
    endpoint,
    vault,
    verdicts: workload.verdicts,
    async reconcile() {
      if (!vault) return { verdicts: [], ready: false };
      const state = await reconcileVaultState(hook, vault, workload.restarted);
      return { verdicts: state.verdicts, ready: Boolean(state.health?.initialized && !state.health.sealed) };
    },
    openSession: () => (vault ? authorise(hook, vault) : null),
    endSession: async () => {
      if (vault) await charmSessionToken(hook.log).end(vault, "the unit is going away");
    },
  };
}

/** TLS failures are the operator's to fix (the CA option); other silences may pass on their own. */
function unreachableVerdict(url: string, error: VaultUnreachableError): Verdict {
  if (/CERT|SIGNATURE|SELF_SIGNED|TLS|SSL/i.test(error.message)) {
    return blocked(`External Vault at ${url} failed TLS verification: set vault-ca-certificate to the CA that signed it`);
  }
  return waiting(`External Vault at ${url} does not answer`);
}

/**
 * An http:// vault-url would carry the vault-auth credentials, the charm's tokens and every secret it
 * brokers in clear text: refused before any request unless the operator opted in.
 */
function refusedInsecureBackend(hook: Hook, url: string): VaultBackend {
  const verdict = blocked(`External Vault: vault-url ${url} is http://, which sends credentials and secrets in clear text: use https://, or set vault-allow-insecure-http=true on a trusted network`);
  return {
    mode: "external",
    endpoint: null,
    vault: null,
    verdicts: [verdict],
    reconcile: () => Promise.resolve({ verdicts: [], ready: false }),
    openSession: () => Promise.resolve({ client: null, verdicts: [verdict] }),
    endSession: () => Promise.resolve(),
  };
}

export async function externalBackend(hook: Hook): Promise<VaultBackend> {
  const url = hook.config.vaultUrl.replace(/\/$/, "");
  if (/^http:/i.test(url) && !hook.config.vaultAllowInsecureHttp) return refusedInsecureBackend(hook, url);
  if (/^http:/i.test(url)) hook.log.warn(`vault-url ${url} is http:// (vault-allow-insecure-http=true): credentials and secrets cross the network in clear text`);
  const caPem = hook.config.vaultCaCertificate;
  const vault = new VaultClient({ url, ...(caPem ? { caPem } : {}) });
  return {
    mode: "external",
    endpoint: { url, caPem, address: "" },
    vault,
    verdicts: [],
    async reconcile() {
      try {
        const state = await health(vault);
        if (!state.initialized) return { verdicts: [blocked(`External Vault at ${url} is not initialised`)], ready: false };
        if (state.sealed) return { verdicts: [blocked(`External Vault at ${url} is sealed`)], ready: false };
      } catch (error) {
        if (!(error instanceof VaultUnreachableError)) throw error;
        hook.log.warn(error.message);
        return { verdicts: [unreachableVerdict(url, error)], ready: false };
      }
      const role = hook.isLeader ? "brokering vault-kv" : "the leader brokers vault-kv";
      return { verdicts: [active(`External Vault ${url} (${role})`)], ready: true };
    },
    // Only the leader works on the external Vault; other units would only spend AppRole logins.
    openSession: () => (hook.isLeader ? import("./external/session.js").then((m) => m.externalSession(hook, vault)) : null),
    endSession: () => import("./external/session.js").then((m) => m.externalLoginToken(hook).end(vault, "the unit is going away")),
  };
}
