// Hook tools and the local Vault's socket through Node's process bindings (src/native-io.ts), and
// through node:child_process and node:net, the fallback for a runtime whose bindings differ: each
// case runs both ways and expects the same. tests/integration/native-io.test.ts checks that a hook
// on the charm's pinned runtime loads neither module.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectUnix, nativeIo, nativeIoAvailable, runCaptured, type ConnectionEvents } from "../../src/native-io.js";

it("finds the bindings it uses on the runtime the tests run on", () => {
  expect(nativeIoAvailable()).toEqual({ spawn: true, socket: true });
});

describe.each([
  ["Node's process bindings", true],
  ["node:child_process and node:net", false],
])("processes and sockets through %s", (_, native) => {
  let dir: string;
  let server: Server | null = null;
  beforeEach(() => {
    nativeIo.enabled = native;
    dir = mkdtempSync(join(tmpdir(), "native-io-"));
  });
  afterEach(async () => {
    nativeIo.enabled = true;
    if (server) await new Promise((resolve) => server!.close(resolve));
    server = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs a program with stdin, the hook's environment, and its output and status", () => {
    expect(runCaptured("sh", ["-c", 'cat; printf %s "$NATIVE_IO_PROBE" >&2; exit 3'], { input: "héllo\n" })).toEqual({ status: 3, signal: null, stdout: "héllo\n", stderr: "", error: null });
    process.env.NATIVE_IO_PROBE = "from the hook";
    try {
      expect(runCaptured("sh", ["-c", 'printf %s "$NATIVE_IO_PROBE" >&2'])).toMatchObject({ status: 0, stderr: "from the hook" });
    } finally {
      delete process.env.NATIVE_IO_PROBE;
    }
    // No input: stdin is an empty pipe, closed, not the hook's own.
    expect(runCaptured("cat", [])).toMatchObject({ status: 0, stdout: "" });
  });

  it("reports a missing program, a timeout, an overflowing output and a signal as spawnSync does", () => {
    const cases: [string, string[], { timeoutMs?: number; maxBuffer?: number }][] = [
      ["no-such-hook-tool", ["x"], {}],
      ["sleep", ["5"], { timeoutMs: 100 }],
      ["yes", [], { maxBuffer: 1000 }],
      ["sh", ["-c", "kill -9 $$"], {}],
    ];
    const outcomes = cases.map(([file, args, options]) => {
      const run = runCaptured(file, args, options);
      const reference = spawnSync(file, args, { timeout: options.timeoutMs, maxBuffer: options.maxBuffer });
      const errorCode = (reference.error as NodeJS.ErrnoException | undefined)?.code ?? null;
      expect([run.status, run.signal, run.error?.code ?? null], file).toEqual([reference.status, reference.signal, errorCode]);
      return [run.status, run.signal, run.error?.code ?? null];
    });
    expect(outcomes).toEqual([
      [null, null, "ENOENT"],
      [null, "SIGTERM", "ETIMEDOUT"],
      [null, "SIGTERM", "ENOBUFS"],
      [null, "SIGKILL", null],
    ]);
    expect(runCaptured("no-such-hook-tool", []).error?.message).toBe("spawnSync no-such-hook-tool ENOENT");
  });

  it("refuses an argument holding a NUL byte rather than cutting it short", () => {
    const marker = join(dir, "ran");
    expect(() => runCaptured("touch", [`${marker}\0ignored`])).toThrow("NUL");
    expect(runCaptured("test", ["-e", marker]).status).toBe(1);
  });

  /** Every event a connection reports, in order. */
  function record(): { events: string[]; handlers: ConnectionEvents; settled: Promise<void> } {
    const events: string[] = [];
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const handlers: ConnectionEvents = {
      connect: () => events.push("connect"),
      data: (chunk) => events.push(`data:${chunk.toString("utf8")}`),
      end: () => {
        events.push("end");
        settle();
      },
      error: (error) => {
        events.push(`error:${error.code}:${error.syscall}`);
        settle();
      },
    };
    return { events, handlers, settled };
  }

  const listen = (onConnection: Parameters<typeof createServer>[1]) =>
    new Promise<string>((resolve) => {
      const path = join(dir, "s.sock");
      server = createServer(onConnection!);
      server.listen(path, () => resolve(path));
    });

  it("connects to a Unix socket, writes, reads to the peer's close, and reports nothing after", async () => {
    const path = await listen((socket) => socket.once("data", (request) => socket.end(`réponse à ${request.toString("utf8")}`)));
    const { events, handlers, settled } = record();
    const connection = connectUnix(path, { ...handlers, connect: () => (handlers.connect(), connection.write("ça")) });
    expect(events).toEqual([]); // nothing during the call itself
    await settled;
    expect(events.join("")).toBe(["connect", "data:réponse à ça", "end"].join(""));
    connection.close();
    connection.write("after the end");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events.at(-1)).toBe("end");
  });

  it("reports a missing socket as ENOENT and a socket nobody listens on as ECONNREFUSED", async () => {
    const missing = record();
    connectUnix(join(dir, "none.sock"), missing.handlers);
    await missing.settled;
    expect(missing.events).toEqual(["error:ENOENT:connect"]);
    // A socket file left without a listener (a killed Vault leaves one).
    const stale = join(dir, "stale.sock");
    const bound = spawnSync("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", stale]);
    expect(bound.status).toBe(0);
    const refused = record();
    connectUnix(stale, refused.handlers);
    await refused.settled;
    expect(refused.events).toEqual(["error:ECONNREFUSED:connect"]);
  });

  it("stops reporting once the caller closes the connection", async () => {
    const path = await listen((socket) => setTimeout(() => socket.end("late"), 30));
    const { events, handlers } = record();
    const connection = connectUnix(path, { ...handlers, connect: () => (handlers.connect(), connection.close()) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toEqual(["connect"]);
  });
});
