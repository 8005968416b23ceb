// The HTTP transport of the Vault client (client.ts): Vault's API needs one JSON request over TLS
// with our CA and a chosen source address, or over the local Vault's Unix socket (socket-http.ts),
// not a general HTTP library (axios, with form-data, proxies and redirects, cost ~100 ms at every
// hook's start).
import type http from "node:http";
import { nodeHttp, nodeHttps } from "../lazy-builtins.js";
import { requestOverSocket } from "./socket-http.js";

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
  const answered = (statusCode: number, text: string): TransportResponse => {
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* a non-JSON body stays text; callers treat it as an unexpected answer */
    }
    return { statusCode, body, request: { path: url.pathname } };
  };
  const timeout = options.timeout ?? 10_000;
  // The local Vault's socket: plain HTTP/1.1 without node:http (src/vault/socket-http.ts).
  if (options.socketPath) {
    return requestOverSocket(options.socketPath, options.method, `${url.pathname}${url.search}`, headers, payload, timeout).then((r) => answered(r.statusCode, r.text));
  }
  return new Promise((resolve, reject) => {
    const onResponse = (response: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => resolve(answered(response.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))));
    };
    const request =
      url.protocol === "https:" ? nodeHttps().request(url, { ...common, ...(options.ca ? { ca: options.ca } : {}) }, onResponse) : nodeHttp().request(url, common, onResponse);
    request.setTimeout(timeout, () => request.destroy(new TransportError(`no answer within ${timeout} ms`, "ETIMEDOUT")));
    request.on("error", reject);
    request.end(payload);
  });
}
