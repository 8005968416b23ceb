// The typed Vault client. Every call goes through `request`, which maps failures to typed errors;
// callers get validated plain objects. It speaks Vault's HTTP API directly through transport.ts, as
// node-vault's generic `request` did (the only part of node-vault the charm used): node-vault and
// what it loads (tv4, mustache, debug; ~150 KB) were evaluated at the start of every handled hook.
import { classifyVaultFailure, VaultUnreachableError } from "./errors.js";
import { countRequest } from "./request-kinds.js";
import { send } from "./transport.js";

export interface VaultClientOptions {
  url: string;
  /** PEM of the CA that signed Vault's certificate. */
  caPem?: string;
  token?: string;
  /** Source address for requests, so CIDR-bound credentials are used from the right address. */
  localAddress?: string;
  /**
   * The local Vault's Unix socket, used instead of `url`'s host and port (TLS and all) by a client
   * that needs no source address: the charm's own requests to the Vault on its machine.
   */
  socketPath?: string;
  timeoutMs?: number;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface RequestOptions {
  body?: JsonObject;
  /** Response-wrap the answer for this long (X-Vault-Wrap-TTL). */
  wrapTtl?: string;
  /** Use this token for this call instead of the client's. */
  token?: string;
}

/** A refusal with Vault's status and body, for toVaultError. */
class VaultResponseError extends Error {
  constructor(readonly response: { statusCode: number; body: unknown }) {
    super(`Vault answered ${response.statusCode}`);
  }
}

export class VaultClient {
  /** Transport options shared by every call. */
  private readonly transport: { ca?: string; agentOptions?: { localAddress: string }; socketPath?: string; timeout: number };
  readonly url: string;

  constructor(private readonly options: VaultClientOptions) {
    this.url = options.url.replace(/\/$/, "");
    this.transport = {
      ...(options.caPem ? { ca: options.caPem } : {}),
      ...(options.localAddress ? { agentOptions: { localAddress: options.localAddress } } : options.socketPath ? { socketPath: options.socketPath } : {}),
      timeout: options.timeoutMs ?? 30_000,
    };
  }

  /** The same client with a longer (or shorter) per-request timeout, for slow calls like init. */
  withTimeout(timeoutMs: number): VaultClient {
    return new VaultClient({ ...this.options, timeoutMs });
  }

  /** A client for the same Vault and source address with another token (or none). */
  withToken(token: string | undefined): VaultClient {
    const { token: _old, ...rest } = this.options;
    return new VaultClient(token === undefined ? rest : { ...rest, token });
  }

  async request(method: "GET" | "POST" | "PUT" | "DELETE" | "LIST", path: string, options: RequestOptions = {}): Promise<JsonObject> {
    const headers: Record<string, string> = {};
    if (options.wrapTtl) headers["X-Vault-Wrap-TTL"] = options.wrapTtl;
    // An empty per-call token falls back to the client's, as node-vault's did.
    const token = options.token || this.options.token;
    if (token) headers["X-Vault-Token"] = token;
    // Counted when sent, answered or not: a refused write was still a write attempt.
    countRequest(method, path);
    try {
      const response = await send({
        ...this.transport,
        method,
        uri: `${this.url}/v1/${path}`,
        headers,
        ...(options.body ? { json: options.body } : {}),
      });
      // sys/health answers its states with status codes (429 standby, 503 sealed, ...) and a body.
      if (response.statusCode !== 200 && response.statusCode !== 204 && !/sys\/health/.test(response.request.path)) {
        throw new VaultResponseError({ statusCode: response.statusCode, body: response.body });
      }
      const body = response.body;
      return body && typeof body === "object" && !Array.isArray(body) ? (body as JsonObject) : {};
    } catch (error) {
      throw toVaultError(error, path);
    }
  }
}

function toVaultError(error: unknown, path: string): Error {
  const response = (error as { response?: { statusCode?: number; body?: { errors?: unknown } } }).response;
  if (response && typeof response.statusCode === "number") {
    const errors = Array.isArray(response.body?.errors) ? response.body.errors.map(String) : [];
    return classifyVaultFailure(response.statusCode, path, errors);
  }
  const code = (error as { code?: string }).code ?? "";
  const message = error instanceof Error ? error.message : String(error);
  return new VaultUnreachableError(`Vault did not answer ${path}: ${code || message}`);
}

