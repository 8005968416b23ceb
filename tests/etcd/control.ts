// What a provider charm needs from the "machine" that runs the test cluster. In production Charmed
// etcd rewrites its members' truststore and restarts them through systemd; here the members are
// children of the test process, so startEtcdCluster serves a unix socket for the one thing a charm
// cannot do itself: restart members (one at a time, keeping quorum) and say which truststore each
// running member loaded. Users and roles are not here: a provider manages those with etcdctl.
//
// Protocol: one JSON line in, one JSON line out, then the server closes the connection.
import { createConnection, createServer, type Server } from "node:net";
import { chmodSync } from "node:fs";

/** Written by startEtcdCluster as `<dir>/cluster.json`; the provider charm's `cluster` config names it. */
export interface ClusterDescriptor {
  /** Client URLs, one per member: https://127.0.0.1:<port>. */
  endpoints: string[];
  /** The cluster CA (PEM file): it signs the members' server certificates. */
  caFile: string;
  /** The members' --trusted-ca-file; a provider adds and removes requirer certificates here. */
  truststoreFile: string;
  etcdctl: string;
  /** The root user's client certificate and key (0600), for etcdctl. */
  root: { certFile: string; keyFile: string };
  /** Unix socket of the control endpoint. */
  control: string;
}

export interface MemberState {
  name: string;
  running: boolean;
  pid: number | null;
  /** sha256 of the truststore file as the member read it when it last started; null when never started. */
  truststoreSha256: string | null;
}

export type ControlRequest = { op: "status" } | { op: "rolling-restart" };
export type ControlResponse = { ok: true; members: MemberState[] } | { ok: false; error: string };

const MAX_REQUEST_BYTES = 4096;

export async function serveControl(path: string, handle: (request: ControlRequest) => Promise<MemberState[]>): Promise<Server> {
  const server = createServer((socket) => {
    let input = "";
    let answered = false;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      if (answered) return;
      input += chunk;
      if (input.length > MAX_REQUEST_BYTES) return socket.destroy();
      const newline = input.indexOf("\n");
      if (newline < 0) return;
      answered = true;
      const answer = (response: ControlResponse) => socket.end(`${JSON.stringify(response)}\n`);
      let request: ControlRequest;
      try {
        const parsed = JSON.parse(input.slice(0, newline)) as { op?: unknown };
        if (parsed.op !== "status" && parsed.op !== "rolling-restart") throw new Error(`unknown op ${JSON.stringify(parsed.op)}`);
        request = { op: parsed.op };
      } catch (error) {
        answer({ ok: false, error: error instanceof Error ? error.message : String(error) });
        return;
      }
      handle(request).then(
        (members) => answer({ ok: true, members }),
        (error: unknown) => answer({ ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  chmodSync(path, 0o600); // whoever can restart members can take the cluster down
  return server;
}

export function callControl(path: string, request: ControlRequest, timeoutMs = 120_000): Promise<MemberState[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let output = "";
    const timer = setTimeout(() => socket.destroy(new Error(`${request.op}: no answer from ${path} within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on("data", (chunk: string) => (output += chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cluster control ${request.op}: ${error.message}`));
    });
    socket.on("end", () => {
      clearTimeout(timer);
      try {
        const response = JSON.parse(output) as ControlResponse;
        if (response.ok) resolve(response.members);
        else reject(new Error(`cluster control ${request.op}: ${response.error}`));
      } catch {
        reject(new Error(`cluster control ${request.op}: unreadable answer ${JSON.stringify(output.slice(0, 200))}`));
      }
    });
  });
}
