// The HTTP transport of the Vault client (client.ts): Vault's API needs one JSON request over TLS
// with our CA and a chosen source address, or over the local Vault's Unix socket, not a general HTTP
// library (axios, with form-data, proxies and redirects, cost ~100 ms at every hook's start).
import http from "node:http";
import { connect } from "node:net";
import { nodeHttps } from "../lazy-builtins.js";

/** One request (option names from request-promise, which the transport once stood in for). */
export interface TransportRequest {
  method: string;
  uri: string;
  headers?: Record<string, string>;
  json?: unknown;
  ca?: string;
  agentOptions?: { localAddress?: string };
  /** A Unix socket to send the request over instead (the URL gives only its path then). */
  socketPath?: string;
  timeout?: number;
}

export interface TransportResponse {
  statusCode: number;
  body: unknown;
  request: { path: string };
}

export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export function send(options: TransportRequest): Promise<TransportResponse> {
  const url = new URL(options.uri);
  const payload = options.json !== undefined && typeof options.json === "object" ? JSON.stringify(options.json) : undefined;
  const headers: Record<string, string> = { accept: "application/json", ...options.headers };
  if (payload !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(payload));
  }
  const common = { method: options.method, headers, ...(options.agentOptions?.localAddress ? { localAddress: options.agentOptions.localAddress } : {}) };
  return new Promise((resolve, reject) => {
    const onResponse = (response: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          /* a non-JSON body stays text; callers treat it as an unexpected answer */
        }
        resolve({ statusCode: response.statusCode ?? 0, body, request: { path: url.pathname } });
      });
    };
    const request = options.socketPath
      ? // A connection of its own rather than an agent's: an agent works out a TLS server name for
        // every request, whose IPv6 check compiles a regular expression (4-5 ms of a hook).
        http.request({ ...common, path: `${url.pathname}${url.search}`, createConnection: () => connect(options.socketPath!) }, onResponse)
      : url.protocol === "https:"
        ? nodeHttps().request(url, { ...common, ...(options.ca ? { ca: options.ca } : {}) }, onResponse)
        : http.request(url, common, onResponse);
    request.setTimeout(options.timeout ?? 10_000, () => request.destroy(new TransportError(`no answer within ${options.timeout ?? 10_000} ms`, "ETIMEDOUT")));
    request.on("error", reject);
    request.end(payload);
  });
}
