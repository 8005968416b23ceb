// Hook tools and the local Vault's socket, reached through the process bindings that Node's own
// child_process.spawnSync and net.Socket are built on (spawn_sync, pipe_wrap, stream_wrap).
// Why: a converged update-status spawns one hook tool and makes three requests on the socket, and
// node:child_process and node:net bring node:net's stream machinery, dgram, perf hooks and abort
// controllers, whose code V8 compiles afresh in every hook (Node's code cache for its own modules
// holds what it compiles eagerly, not the functions a hook then runs). In a fresh process on the
// pinned runtime, two spawns took 5.6 ms through node:child_process and 1.9 ms here, three socket
// requests 6.0 ms through node:net and 1.4 ms here (README: "Hook start-up on the shipped runtime").
// The bindings are Node internals. The charm runs them on the runtime it ships (pinned in
// scripts/node-runtime.mjs), checks their shape before first use, and a runtime whose bindings
// differ is served by node:child_process and node:net as before. tests/unit/native-io.test.ts runs
// both paths; tests/integration/update-status-memo.test.ts fails if a hook on the pinned runtime
// loads node:net or node:child_process.
import { createRequire } from "node:module";

const load = createRequire(import.meta.url);
// Through require(), not an import: the bundle's ESM view of node:util (esbuild's __toESM) makes
// Node load what util's lazy getters stand for (streams, worker_threads, parse_args): ~35 modules.
const { getSystemErrorName } = load("node:util") as typeof import("node:util");

/** Tests switch the bindings off to exercise the fallback; nothing else does. */
export const nativeIo = { enabled: true };

function binding(name: string): Record<string, unknown> | null {
  try {
    // process.binding: deprecated for modules, allowed for these (lib/internal/bootstrap/realm.js).
    const get = (process as unknown as { binding?: (name: string) => Record<string, unknown> }).binding;
    return typeof get === "function" ? get.call(process, name) : null;
  } catch {
    return null;
  }
}

/** An error shaped as Node's own for the same failure (message, code, errno, syscall, path). */
function errnoError(errno: number, syscall: string, path: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(errno);
  const message = syscall === "spawnSync" ? `spawnSync ${path} ${code}` : `${syscall} ${code} ${path}`;
  return Object.assign(new Error(message), { errno, code, syscall, path });
}

// ---- processes ----

export interface CapturedRun {
  /** Exit status; null when a signal ended the process or it never started. */
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Why the process could not run or was stopped (ENOENT, ETIMEDOUT, ENOBUFS), as spawnSync says. */
  error: NodeJS.ErrnoException | null;
}

export interface RunOptions {
  /** Bytes for stdin (utf8); the process reads an empty, closed stdin without it. */
  input?: string;
  maxBuffer?: number;
  timeoutMs?: number;
}

interface SpawnSyncBinding {
  spawn(options: object): { error?: number; status: number | null; signal: string | null; output: (Buffer | null)[] | null };
}

let spawnBinding: SpawnSyncBinding | null | undefined;

function spawnSyncBinding(): SpawnSyncBinding | null {
  if (spawnBinding === undefined) {
    const found = binding("spawn_sync");
    spawnBinding = typeof found?.spawn === "function" ? (found as unknown as SpawnSyncBinding) : null;
  }
  return nativeIo.enabled ? spawnBinding : null;
}

const outputPipe = { type: "pipe", readable: false, writable: true };

/** Runs a program to its end with the hook's environment, stdout and stderr captured as utf8. */
export function runCaptured(file: string, args: readonly string[], options: RunOptions = {}): CapturedRun {
  // A C string ends at its first NUL: an argument holding one would reach the program cut short.
  if ([file, ...args].some((arg) => arg.includes("\0"))) throw new TypeError(`an argument to ${file} holds a NUL byte`);
  const native = spawnSyncBinding();
  if (!native) return viaChildProcess(file, args, options);
  const stdin = { type: "pipe", readable: true, writable: false, ...(options.input ? { input: Buffer.from(options.input, "utf8") } : {}) };
  // The options child_process.spawnSync hands the same binding (lib/internal/child_process.js).
  const result = native.spawn({
    file,
    args: [file, ...args],
    envPairs: Object.entries(process.env).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`])),
    stdio: [stdin, outputPipe, outputPipe],
    maxBuffer: options.maxBuffer ?? 1024 * 1024,
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  });
  return {
    status: result.status ?? null,
    signal: result.signal ?? null,
    stdout: result.output?.[1]?.toString("utf8") ?? "",
    stderr: result.output?.[2]?.toString("utf8") ?? "",
    error: result.error ? errnoError(result.error, "spawnSync", file) : null,
  };
}

function viaChildProcess(file: string, args: readonly string[], options: RunOptions): CapturedRun {
  const { spawnSync } = load("node:child_process") as typeof import("node:child_process");
  const result = spawnSync(file, args, { input: options.input ?? "", encoding: "utf8", maxBuffer: options.maxBuffer ?? 1024 * 1024, timeout: options.timeoutMs });
  return { status: result.status, signal: result.signal, stdout: result.stdout ?? "", stderr: result.stderr ?? "", error: (result.error as NodeJS.ErrnoException | undefined) ?? null };
}

// ---- Unix sockets ----

export interface ConnectionEvents {
  connect(): void;
  data(chunk: Buffer): void;
  /** The peer closed its side (or the connection closed without an error). */
  end(): void;
  error(error: NodeJS.ErrnoException): void;
}

/** A client connection; after `close`, or after `end` or `error`, no event comes. */
export interface UnixConnection {
  write(text: string): void;
  close(): void;
}

interface PipeHandle {
  connect(request: object, path: string): number;
  readStart(): number;
  writeUtf8String(request: object, text: string): number;
  close(): void;
  onread: ((buffer: ArrayBuffer | undefined) => void) | null;
}

interface StreamBindings {
  Pipe: new (type: number) => PipeHandle;
  PipeConnectWrap: new () => { oncomplete?: (status: number) => void };
  WriteWrap: new () => { handle?: PipeHandle; oncomplete?: (status: number) => void };
  streamBaseState: Int32Array;
  kReadBytesOrError: number;
  kArrayBufferOffset: number;
  socketType: number;
  eof: number;
}

let streamBindings: StreamBindings | null | undefined;

function pipeBindings(): StreamBindings | null {
  if (streamBindings === undefined) {
    const pipe = binding("pipe_wrap");
    const stream = binding("stream_wrap");
    const uv = binding("uv");
    const constants = pipe?.constants as Record<string, number> | undefined;
    const usable =
      typeof pipe?.Pipe === "function" &&
      typeof pipe.PipeConnectWrap === "function" &&
      typeof constants?.SOCKET === "number" &&
      typeof stream?.WriteWrap === "function" &&
      stream.streamBaseState instanceof Int32Array &&
      typeof stream.kReadBytesOrError === "number" &&
      typeof stream.kArrayBufferOffset === "number" &&
      typeof uv?.UV_EOF === "number";
    streamBindings = usable ? ({ ...pipe, ...stream, socketType: constants.SOCKET, eof: uv.UV_EOF } as unknown as StreamBindings) : null;
  }
  return nativeIo.enabled ? streamBindings : null;
}

/** Connects to a Unix socket; its events come on later turns of the event loop, never during this call. */
export function connectUnix(path: string, events: ConnectionEvents): UnixConnection {
  const native = pipeBindings();
  if (!native) return viaNet(path, events);
  const handle = new native.Pipe(native.socketType);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    handle.close();
  };
  const fail = (errno: number, syscall: string) => {
    if (!open) return;
    close();
    events.error(errnoError(errno, syscall, path));
  };
  // What net.Socket's onStreamRead reads (lib/internal/stream_base_commons.js).
  handle.onread = (buffer) => {
    const nread = native.streamBaseState[native.kReadBytesOrError]!;
    if (nread > 0 && buffer) {
      if (open) events.data(Buffer.from(buffer, native.streamBaseState[native.kArrayBufferOffset]!, nread));
    } else if (nread === native.eof) {
      if (!open) return;
      close();
      events.end();
    } else if (nread < 0) {
      fail(nread, "read");
    }
  };
  const request = new native.PipeConnectWrap();
  request.oncomplete = (status) => {
    if (!open) return;
    if (status < 0) return fail(status, "connect");
    const refused = handle.readStart();
    if (refused < 0) return fail(refused, "read");
    events.connect();
  };
  const refused = handle.connect(request, path);
  if (refused < 0) setImmediate(() => fail(refused, "connect"));
  return {
    write(text) {
      if (!open) return;
      const write = new native.WriteWrap();
      write.handle = handle;
      write.oncomplete = (status) => {
        if (status < 0) fail(status, "write");
      };
      const failed = handle.writeUtf8String(write, text);
      if (failed < 0) setImmediate(() => fail(failed, "write"));
    },
    close,
  };
}

/** Whether this runtime's bindings have the shape used here (the tests assert it of the pinned runtime). */
export function nativeIoAvailable(): { spawn: boolean; socket: boolean } {
  return { spawn: spawnSyncBinding() !== null, socket: pipeBindings() !== null };
}

function viaNet(path: string, events: ConnectionEvents): UnixConnection {
  const { connect } = load("node:net") as typeof import("node:net");
  const socket = connect(path);
  let open = true;
  const last = (report: () => void) => {
    if (!open) return;
    open = false;
    socket.destroy();
    report();
  };
  socket.once("connect", () => open && events.connect());
  socket.on("data", (chunk: Buffer) => open && events.data(chunk));
  socket.once("end", () => last(() => events.end()));
  socket.once("close", () => last(() => events.end()));
  socket.once("error", (error) => last(() => events.error(error)));
  return {
    write: (text) => {
      if (open) socket.write(text);
    },
    close: () => last(() => undefined),
  };
}
