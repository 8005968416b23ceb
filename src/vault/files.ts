// Writing workload files: atomically, private by default, and only when the content changed, so
// "did anything change?" drives restarts and nothing is rewritten needlessly.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function readFileOrNull(path: string): string | null {
  return existsSync(path) ? readFileSync(path, "utf8") : null;
}

/** A file's JSON value; null when the file is missing, unreadable or not JSON (the caller checks its shape). */
export function readJsonOrNull(path: string): unknown {
  try {
    return JSON.parse(readFileOrNull(path) ?? "null") as unknown;
  } catch {
    return null;
  }
}

/** Returns true when the file was (re)written. Mode 0600 unless told otherwise. */
export function writeFileIfChanged(path: string, content: string, mode = 0o600): boolean {
  if (readFileOrNull(path) === content) return false;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
  return true;
}

/** CAP_IPC_LOCK (bit 14) in this process's effective set: Vault can lock its memory. */
export function canLockMemory(): boolean {
  const status = readFileOrNull("/proc/self/status") ?? "";
  const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return match ? (BigInt(`0x${match[1]}`) & (1n << 14n)) !== 0n : false;
}
