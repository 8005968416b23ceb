// The consumer's Vault client: node-vault, the stock client a Node application would use, so the
// example shows the vault charm's credentials working with it as they are handed over. Requests
// leave from this unit's own address: the provider binds the secret_id and the tokens it logs in
// to that address (secret_id_bound_cidrs, token_bound_cidrs).
import nodeVault from "node-vault";

export type VaultApi = nodeVault.client;

export interface VaultEndpoint {
  url: string;
  caPem: string;
  /** This unit's address, the source of every request. */
  address: string;
}

// node-vault logs request bodies (KV values, secret_ids) through `debug` when DEBUG names it.
const silent = () => undefined;

export function vaultApi(endpoint: VaultEndpoint, token?: string): VaultApi {
  return nodeVault({
    endpoint: endpoint.url,
    ...(token ? { token } : {}),
    debug: silent,
    requestOptions: { ca: endpoint.caPem, agentOptions: { localAddress: endpoint.address }, timeout: 10_000 },
  });
}

/** Vault's HTTP status in a refusal from node-vault, if it answered. */
function statusOf(error: unknown): number | undefined {
  const response = (error as { response?: { statusCode?: unknown } } | null)?.response;
  return typeof response?.statusCode === "number" ? response.statusCode : undefined;
}

export const isNotFound = (error: unknown): boolean => statusOf(error) === 404;

const UNANSWERED = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]);

/**
 * Why Vault cannot serve now, for a failure worth waiting out (a sealed, restarting or unreachable
 * Vault: the vault charm unseals it and a later hook finds it serving); null for anything else.
 */
export function waitingFor(error: unknown): string | null {
  if (statusOf(error) === 503 && error instanceof Error && /sealed/i.test(error.message)) return "Vault is sealed";
  const code = (error as { code?: unknown } | null)?.code;
  if (statusOf(error) === 503 || (typeof code === "string" && UNANSWERED.has(code))) return "Vault does not answer";
  return null;
}
