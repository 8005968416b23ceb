// The charm's HTTP/1.1 client for the local Vault's Unix socket (src/vault/socket-http.ts), against
// a socket server that answers with bytes written by hand: each way Vault's Go server ends a body
// (Content-Length, chunked, the close), answers split across reads, and what must be refused.
// Against a real Vault it carries every integration test of a local unit (tests/integration). Each
// case runs over Node's stream bindings (src/native-io.ts) and over node:net, the fallback.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nativeIo } from "../../src/native-io.js";
import { parseResponse, requestHead, requestOverSocket, SocketHttpError } from "../../src/vault/socket-http.js";

let dir: string;
let server: Server | null = null;
const socketPath = () => join(dir, "vault.sock");

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "socket-http-"));
});
afterEach(async () => {
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A server that answers each request with `answer` once the request (head and body) is in. */
function listen(answer: (socket: Socket, request: string) => void): Promise<{ request: () => string }> {
  let seen = "";
  return new Promise((resolve) => {
    server = createServer((socket) => {
      socket.on("data", (chunk) => {
        seen += chunk.toString("latin1");
        const headEnd = seen.indexOf("\r\n\r\n");
        if (headEnd < 0) return;
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(seen)?.[1] ?? 0);
        if (seen.length >= headEnd + 4 + length) answer(socket, seen);
      });
      socket.on("error", () => undefined);
    });
    server.listen(socketPath(), () => resolve({ request: () => seen }));
  });
}

const get = (headers: Record<string, string> = {}, payload?: string, timeoutMs = 2000) => requestOverSocket(socketPath(), payload ? "PUT" : "GET", "/v1/sys/health?standbyok=true", headers, payload, timeoutMs);

describe.each([
  ["Node's stream bindings", true],
  ["node:net", false],
])("requests over the local Vault's socket, through %s", (_, native) => {
  beforeEach(() => {
    nativeIo.enabled = native;
  });
  afterEach(() => {
    nativeIo.enabled = true;
  });

  it("sends one HTTP/1.1 request that asks Vault to close, with its headers and a JSON body's length", async () => {
    const server = await listen((socket) => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"));
    const body = JSON.stringify({ policies: ["é"] });
    await expect(get({ "X-Vault-Token": "hvs.t", "content-type": "application/json" }, body)).resolves.toEqual({ statusCode: 200, text: "{}" });
    const [head, sent] = server.request().split("\r\n\r\n");
    expect(head!.split("\r\n")).toEqual(["PUT /v1/sys/health?standbyok=true HTTP/1.1", "Host: localhost", "Connection: close", "X-Vault-Token: hvs.t", "content-type: application/json", `Content-Length: ${Buffer.byteLength(body)}`]);
    expect(Buffer.from(sent!, "latin1").toString("utf8")).toBe(body);
  });

  it("reads a body by its Content-Length without waiting for the close, split across reads", async () => {
    await listen((socket) => {
      socket.write("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Le");
      setTimeout(() => socket.write('ngth: 16\r\n\r\n{"standby":'), 20);
      // Left open: the client has the whole body and closes.
      setTimeout(() => socket.write("true}"), 40);
    });
    await expect(get()).resolves.toEqual({ statusCode: 429, text: '{"standby":true}' });
  });

  it("reads a chunked body, multi-byte characters split between chunks", async () => {
    const text = JSON.stringify({ data: { keys: ["é-role", "x".repeat(5000)] } });
    const bytes = Buffer.from(text, "utf8");
    const cut = bytes.indexOf(Buffer.from("é")) + 1; // inside the two bytes of é
    await listen((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      socket.write(`${cut.toString(16)};ext=1\r\n`);
      socket.write(Buffer.concat([bytes.subarray(0, cut), Buffer.from("\r\n")]));
      setTimeout(() => socket.end(Buffer.concat([Buffer.from(`${(bytes.length - cut).toString(16).toUpperCase()}\r\n`), bytes.subarray(cut), Buffer.from("\r\n0\r\n\r\n")])), 20);
    });
    await expect(get()).resolves.toEqual({ statusCode: 200, text });
  });

  it("takes a body without a length as running to the close, and 204 as empty", async () => {
    await listen((socket) => socket.end("HTTP/1.1 200 OK\r\n\r\nplain"));
    await expect(get()).resolves.toEqual({ statusCode: 200, text: "plain" });
    await new Promise((resolve) => server!.close(resolve));
    await listen((socket) => socket.write("HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n"));
    await expect(get()).resolves.toEqual({ statusCode: 204, text: "" });
  });

  it("fails with the connection's own error when nothing listens, and times out on silence", async () => {
    await expect(get()).rejects.toMatchObject({ code: "ENOENT" });
    await listen(() => undefined);
    await expect(get({}, undefined, 100)).rejects.toEqual(new SocketHttpError("no answer within 100 ms", "ETIMEDOUT"));
  });

  it("refuses truncated, malformed and oversized answers", async () => {
    const answers: [string, string][] = [
      ["", "without answering"],
      ["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "in the middle"],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "in the middle"],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size"],
      ["HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "malformed Content-Length"],
      ["SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP response"],
      ["HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "malformed header"],
    ];
    for (const [answer, message] of answers) {
      await listen((socket) => socket.end(answer));
      await expect(get(), JSON.stringify(answer)).rejects.toThrow(message);
      await new Promise((resolve) => server!.close(resolve));
      server = null;
    }
    expect(() => parseResponse(Buffer.alloc(70 * 1024, "a"), false)).toThrow("too large");
  });

  it("refuses a method, path or header that could smuggle a second request, before connecting", () => {
    const cases: [string, string, Record<string, string>, string][] = [
      ["GET", "/v1/x HTTP/1.1\r\nX: y", {}, "path"],
      ["GET", "/v1/a b", {}, "path"],
      ["GET", "v1/relative", {}, "path"],
      ["GET /v1/x", "/v1/x", {}, "method"],
      ["GET", "/v1/x", { "X-Vault-Token": "t\r\nX-Vault-Wrap-TTL: 1h" }, "X-Vault-Token"],
      ["GET", "/v1/x", { "X-Vault-Token": "t\n" }, "X-Vault-Token"],
      ["GET", "/v1/x", { "Bad Name": "v" }, "header name"],
    ];
    for (const [method, target, headers, what] of cases) expect(() => requestHead(method, target, headers), target).toThrow(what);
    expect(requestHead("LIST", "/v1/auth/approle/role?list=true", { "X-Vault-Wrap-TTL": "1h" })).toBe("LIST /v1/auth/approle/role?list=true HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Vault-Wrap-TTL: 1h\r\n\r\n");
  });
});
