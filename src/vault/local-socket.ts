// The local Vault's Unix socket, for the charm's own requests (hcl.ts renders its listener): plain
// HTTP between two root processes on one machine, so a hook loads no TLS and makes no handshake.
import { chmodSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { connectUnix } from "../native-io.js";

/** Longest path a Unix socket address holds on Linux (sun_path: 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

/**
 * Makes the socket's directory 0700 (only root, which Vault and the charm run as, may reach the
 * socket in it) and returns the socket's path; null when the path would not fit a socket address
 * (a simulator's long root), which leaves the charm on TCP and TLS as before.
 */
export function prepareLocalSocket(socket: string): string | null {
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) return null;
  const dir = dirname(socket);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  return socket;
}

/**
 * Whether Vault accepts a connection on its socket: a process is listening there, so the service
 * runs, known without spawning systemctl. A stopped Vault closes and removes its socket (ENOENT),
 * a killed one leaves it refusing (ECONNREFUSED); either answers false, and the caller asks systemd.
 */
export function socketAnswers(socket: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (answer: boolean) => {
      clearTimeout(timer);
      connection.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    const connection = connectUnix(socket, { connect: () => done(true), data: () => undefined, end: () => done(false), error: () => done(false) });
  });
}
