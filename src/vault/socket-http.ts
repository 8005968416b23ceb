// HTTP/1.1 over the local Vault's Unix socket, one request per connection, without node:http.
// Every hook of a unit with a local Vault makes its requests here (src/vault/local-socket.ts), and
// node:http costs what a converged update-status cannot spare: loading it, then a ClientRequest and
// an IncomingMessage with their streams for each request, about 5 ms of wall time for a socket probe
// and two requests, against plain writes and reads on a connection (src/native-io.ts). Vault's Go
// server speaks plain HTTP/1.1 here: the request says `Connection: close`, so the response ends
// where its Content-Length or its last chunk says, or else where Vault closes the connection.
import { connectUnix, type UnixConnection } from "../native-io.js";

export interface SocketResponse {
  statusCode: number;
  text: string;
}

/** Why a request over the socket failed; `code` as Node's errors give it (ETIMEDOUT, EPROTO, ...). */
export class SocketHttpError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

// RFC 9110 tokens for methods and header names; field values and the request target may hold no
// control characters, so nothing a caller passes can start a second request on the connection.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_TARGET = /^\/[\x21-\x7e]*$/;

/** Larger heads than this are not Vault's: the response is refused rather than buffered on. */
const MAX_HEAD_BYTES = 64 * 1024;

export function requestHead(method: string, target: string, headers: Record<string, string>): string {
  if (!TOKEN.test(method)) throw new SocketHttpError(`invalid HTTP method ${JSON.stringify(method)}`, "ERR_INVALID_HTTP_TOKEN");
  if (!REQUEST_TARGET.test(target)) throw new SocketHttpError("invalid characters in the request path", "ERR_UNESCAPED_CHARACTERS");
  let head = `${method} ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new SocketHttpError(`invalid header name ${JSON.stringify(name)}`, "ERR_INVALID_HTTP_TOKEN");
    // The value is not quoted in the message: it may be a token.
    if (!FIELD_VALUE.test(value)) throw new SocketHttpError(`invalid characters in the ${name} header`, "ERR_INVALID_CHAR");
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

interface Head {
  statusCode: number;
  fields: Map<string, string>;
  bodyStart: number;
  /** Where the response ends (head and body), when it says; null: at its last chunk or when Vault closes. */
  end: number | null;
}

/** The response's status line and header fields, or null while they have not all arrived. */
export function parseHead(data: Buffer): Head | null {
  const headEnd = data.indexOf("\r\n\r\n");
  if (headEnd < 0) {
    if (data.length > MAX_HEAD_BYTES) throw new SocketHttpError("Vault's response head is too large", "EPROTO");
    return null;
  }
  const lines = data.toString("latin1", 0, headEnd).split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]!);
  if (!status) throw new SocketHttpError("Vault's answer is not an HTTP response", "EPROTO");
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new SocketHttpError("malformed header in Vault's response", "EPROTO");
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const statusCode = Number(status[1]);
  const bodyStart = headEnd + 4;
  let end: number | null = null;
  if (statusCode === 204 || statusCode === 304 || statusCode < 200) {
    end = bodyStart;
  } else if (!/\bchunked\b/i.test(fields.get("transfer-encoding") ?? "") && fields.has("content-length")) {
    const lengthText = fields.get("content-length")!;
    if (!/^\d{1,12}$/.test(lengthText)) throw new SocketHttpError("malformed Content-Length in Vault's response", "EPROTO");
    end = bodyStart + Number(lengthText);
  }
  return { statusCode, fields, bodyStart, end };
}

/** The body of a chunked message (trailers are not read). */
function dechunk(data: Buffer, start: number): Buffer {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) throw new SocketHttpError("Vault closed the connection in the middle of its response", "ECONNRESET");
    const sizeText = data.toString("latin1", at, lineEnd).split(";")[0]!.trim();
    if (!/^[0-9A-Fa-f]{1,8}$/.test(sizeText)) throw new SocketHttpError("malformed chunk size in Vault's response", "EPROTO");
    const size = parseInt(sizeText, 16);
    if (size === 0) return Buffer.concat(parts);
    const chunkEnd = lineEnd + 2 + size;
    if (data.length < chunkEnd + 2) throw new SocketHttpError("Vault closed the connection in the middle of its response", "ECONNRESET");
    parts.push(data.subarray(lineEnd + 2, chunkEnd));
    at = chunkEnd + 2;
  }
}

/**
 * The whole response in `data`: all of it once its length is there, or once Vault has closed the
 * connection (`ended`) for a chunked body or one that runs to the close. `head`: parseHead's answer
 * for `data`, when the caller has it already.
 */
export function parseResponse(data: Buffer, ended: boolean, head: Head | null = parseHead(data)): SocketResponse | null {
  if (!head) {
    if (!ended) return null;
    throw new SocketHttpError(data.length ? "Vault closed the connection in the middle of its response" : "Vault closed the connection without answering", "ECONNRESET");
  }
  let body: Buffer;
  if (head.end !== null) {
    if (data.length < head.end) {
      if (!ended) return null;
      throw new SocketHttpError("Vault closed the connection in the middle of its response", "ECONNRESET");
    }
    body = data.subarray(head.bodyStart, head.end);
  } else if (!ended) {
    return null;
  } else {
    body = /\bchunked\b/i.test(head.fields.get("transfer-encoding") ?? "") ? dechunk(data, head.bodyStart) : data.subarray(head.bodyStart);
  }
  return { statusCode: head.statusCode, text: body.toString("utf8") };
}

/** One request over the socket; rejects with the connection's error (ENOENT, ECONNREFUSED) or a SocketHttpError. */
export function requestOverSocket(socketPath: string, method: string, target: string, headers: Record<string, string>, payload: string | undefined, timeoutMs: number): Promise<SocketResponse> {
  const hasLength = Object.keys(headers).some((name) => name.toLowerCase() === "content-length");
  const bodyHeaders = payload === undefined || hasLength ? headers : { ...headers, "Content-Length": String(Buffer.byteLength(payload)) };
  const message = requestHead(method, target, bodyHeaders) + (payload ?? "");
  return new Promise((resolve, reject) => {
    let received: Buffer[] = [];
    let total = 0;
    /** The response's head once it is all in. */
    let head: Head | null = null;
    let settled = false;
    const finish = (outcome: () => SocketResponse | null): void => {
      if (settled) return;
      let response: SocketResponse | null;
      try {
        response = outcome();
      } catch (error) {
        settled = true;
        clearTimeout(timer);
        connection.close();
        reject(error as Error);
        return;
      }
      if (response === null) return;
      settled = true;
      clearTimeout(timer);
      connection.close();
      resolve(response);
    };
    const whole = () => (received.length === 1 ? received[0]! : Buffer.concat(received));
    // A silence of timeoutMs (no connection, or nothing more of the answer) ends the request.
    const timer = setTimeout(() => finish(() => {
      throw new SocketHttpError(`no answer within ${timeoutMs} ms`, "ETIMEDOUT");
    }), timeoutMs);
    const connection: UnixConnection = connectUnix(socketPath, {
      // Written whole, and the connection left open for writing: a client that half-closes may see
      // Go's server cancel the request it is still serving.
      connect: () => {
        timer.refresh();
        connection.write(message);
      },
      data: (chunk) => {
        timer.refresh();
        received.push(chunk);
        total += chunk.length;
        // Until the head is in, the pieces are joined (a head is small); after it, joined once at the end.
        if (head === null) {
          const data = whole();
          received = [data];
          finish(() => {
            head = parseHead(data);
            return null;
          });
        }
        if (head?.end != null && total >= head.end) finish(() => parseResponse(whole(), false, head));
      },
      // Vault closed the connection: what came is all there is.
      end: () => finish(() => parseResponse(whole(), true, head ?? parseHead(whole()))),
      error: (error) => finish(() => {
        throw error;
      }),
    });
  });
}
