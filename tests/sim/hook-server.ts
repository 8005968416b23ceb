// The context server the hook tools talk to (like the uniter's jujuc server): one unix socket for
// the simulator process, requests routed by JUJU_CONTEXT_ID to the running hook's runtime.
import { createServer, type Server, type Socket } from "node:net";
import { rmSync } from "node:fs";
import type { HookRuntime } from "./hooktools/context.js";
import { runTool } from "./hooktools/index.js";

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
}

/** Parses one request frame: u32 n, then n (u32 len + bytes) fields. Null until complete. */
function parseFrame(buffer: Buffer): string[] | null {
  if (buffer.length < 4) return null;
  const count = buffer.readUInt32BE(0);
  const fields: string[] = [];
  let offset = 4;
  for (let i = 0; i < count; i++) {
    if (buffer.length < offset + 4) return null;
    const len = buffer.readUInt32BE(offset);
    if (buffer.length < offset + 4 + len) return null;
    fields.push(buffer.subarray(offset + 4, offset + 4 + len).toString("utf8"));
    offset += 4 + len;
  }
  return fields;
}

export class HookServer {
  private readonly runtimes = new Map<string, HookRuntime>();
  /** Fault injection (tests/faults): told after each tool call a running hook makes. */
  onToolCall: ((runtime: HookRuntime) => void) | null = null;
  private constructor(
    private readonly server: Server,
    readonly socketPath: string,
  ) {}

  static async start(socketPath: string): Promise<HookServer> {
    rmSync(socketPath, { force: true });
    let instance: HookServer | null = null;
    const server = createServer((socket) => instance!.serve(socket));
    instance = new HookServer(server, socketPath);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
    return instance;
  }

  register(runtime: HookRuntime): void {
    this.runtimes.set(runtime.info.contextId, runtime);
  }

  unregister(contextId: string): void {
    this.runtimes.delete(contextId);
  }

  private serve(socket: Socket): void {
    let buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const fields = parseFrame(buffer);
      if (!fields) return;
      const started = performance.now();
      const [contextId = "", cwd = "", tool = "", stdin = "", ...args] = fields;
      const runtime = this.runtimes.get(contextId);
      if (runtime) runtime.cwd = cwd || undefined;
      const result = runtime ? runTool(runtime, tool, args, stdin) : { code: 1, stdout: "", stderr: "ERROR bad request: unknown context\n" };
      runtime?.calls.push({ tool, args, ms: performance.now() - started, code: result.code });
      if (runtime) this.onToolCall?.(runtime);
      const out = Buffer.from(result.stdout);
      const err = Buffer.from(result.stderr);
      socket.end(Buffer.concat([u32(result.code), u32(out.length), out, u32(err.length), err]));
    });
    socket.on("error", () => socket.destroy());
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.socketPath, { force: true });
  }
}
