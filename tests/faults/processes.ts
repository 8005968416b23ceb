// Processes of a simulated machine, for faults that kill more than one (a hook and what it started).
import { readdirSync, readFileSync } from "node:fs";

/** Every live process descended from `root` (by parent pid, from /proc). */
export function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parentOf) {
      if (ppid === parent && !out.includes(pid)) {
        out.push(pid);
        frontier.push(pid);
      }
    }
  }
  return out;
}

/** SIGKILLs `pid` and, with `tree`, every process it started; returns the pids signalled. */
export function killHook(pid: number, tree: boolean, spare: number[] = []): number[] {
  const victims = [pid, ...(tree ? descendants(pid).filter((p) => !spare.includes(p)) : [])];
  return victims.filter((p) => {
    try {
      process.kill(p, "SIGKILL");
      return true;
    } catch {
      return false;
    }
  });
}

/** Sends `sig` to `pid` if it is a process; whether it was sent. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    if (pid > 0) process.kill(pid, sig);
    return pid > 0;
  } catch {
    return false;
  }
}
