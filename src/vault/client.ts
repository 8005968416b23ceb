// The typed client over node-vault. Every call goes through `request`, which maps failures to
// typed errors; callers get validated plain objects, never node-vault's `any`.
import nodeVault from "node-vault";
import { classifyVaultFailure, VaultUnreachableError } from "./errors.js";
import { countRequest } from "./request-kinds.js";
import { requestPromise } from "./transport.js";

export interface VaultClientOptions {
  url: string;
  /** PEM of the CA that signed Vault's certificate. */
  caPem?: string;
  token?: string;
  /** Source address for requests, so CIDR-bound credentials are used from the right address. */
  localAddress?: string;
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

// node-vault would log request bodies through `debug` when DEBUG is set; ours never logs.
const silent = Object.assign(() => undefined, { enabled: false });

export class VaultClient {
  private readonly vault: ReturnType<typeof nodeVault>;
  /** Transport options shared by every call (node-vault's `request` does not merge its defaults). */
  private readonly transport: Record<string, unknown>;
  readonly url: string;

  constructor(private readonly options: VaultClientOptions) {
    this.url = options.url.replace(/\/$/, "");
    this.transport = {
      ...(options.caPem ? { ca: options.caPem } : {}),
      ...(options.localAddress ? { agentOptions: { localAddress: options.localAddress } } : {}),
      timeout: options.timeoutMs ?? 30_000,
    };
    this.vault = nodeVault({
      endpoint: this.url,
      ...(options.token ? { token: options.token } : {}),
      debug: silent,
      // Our own small HTTPS transport instead of axios (see transport.ts).
      "request-promise": requestPromise,
    } as Parameters<typeof nodeVault>[0]);
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
    if (options.token !== undefined) headers["X-Vault-Token"] = options.token;
    // Counted when sent, answered or not: a refused write was still a write attempt.
    countRequest(method, path);
    try {
      const body: unknown = await this.vault.request({
        ...this.transport,
        method,
        path: `/${path}`,
        headers,
        ...(options.body ? { json: options.body } : {}),
      });
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

