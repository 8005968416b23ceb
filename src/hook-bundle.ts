// The handled-hook bundle (dist/run-hook.cjs), compiled with a V8 code cache that holds the
// functions a hook ran. Node's compile cache (src/compile-cache.ts) is made when a file is first
// compiled, so it holds the top level and what V8 compiles eagerly; every function a hook calls is
// then parsed and compiled again in every hook, and after the runtime's own modules went
// (src/native-io.ts) that was the largest cost left in a converged update-status (README: "Hook
// start-up on the shipped runtime"). A cache V8 writes after the hook ran (Script#createCachedData)
// holds those functions too.
//
// The cache is code V8 runs: it lives in the compile-cache directory (root's alone, 0700) as a 0600
// file named by a digest of the bundle and of this file (the wrapper below), taken at build time
// (V8 itself checks only the source's length, its own version and its flags, and rejects a cache
// that fails those). update-status writes it when there is none or V8 rejected it (a new runtime),
// so it holds what the most frequent hook runs; other hooks use it as it is. Until a unit's first
// update-status (its first minutes, and again after upgrade-charm empties the directory) the first
// hook that ends cleanly writes an interim cache of what it ran, which update-status then replaces:
// without one, each of those hooks compiled the whole bundle afresh (~30 ms on a slow machine).
// Anything that stops it leaves the hook compiling as it would without it.
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// node:vm by require() when a handled hook starts: an event the charm ignores never loads it.
const nodeVm = () => createRequire(import.meta.url)("node:vm") as typeof import("node:vm");

export interface HookBundle<T> {
  exports: T;
  /**
   * After a hook that ended cleanly: update-status writes the cache when there was none, an interim
   * one or one V8 refused; any other hook writes the interim cache when there was none (or V8
   * refused the interim one). True when it wrote.
   */
  saveCodeCache(byUpdateStatus: boolean): boolean;
}

const PREFIX = "run-hook-";
const SUFFIX = ".v8";
const INTERIM = ".interim.v8";

function readOrNull(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch {
    return null;
  }
}

/** Runs the CommonJS bundle `file` as Node's loader would, compiled with the cache in `cacheDir` if any. */
export function loadHookBundle<T>(file: string, digest: string, cacheDir: string | null): HookBundle<T> {
  const cache = cacheDir && /^[0-9a-f]{16,64}$/.test(digest) ? { dir: cacheDir, settled: `${PREFIX}${digest}${SUFFIX}`, interim: `${PREFIX}${digest}${INTERIM}` } : null;
  let cachedData: Buffer | null = null;
  let loadedInterim = false;
  if (cache) {
    cachedData = readOrNull(join(cache.dir, cache.settled));
    if (!cachedData) {
      cachedData = readOrNull(join(cache.dir, cache.interim));
      loadedInterim = cachedData !== null;
    }
  }
  // The wrapper Node's CommonJS loader puts around a module, on the source's first line so that
  // line numbers in stack traces stay the file's own. Strict, as the ES modules it was built from.
  const source = `(function (exports, require, module, __filename, __dirname) {"use strict";${readFileSync(file, "utf8")}\n})`;
  const script = new (nodeVm().Script)(source, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as T };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    saveCodeCache(byUpdateStatus: boolean): boolean {
      if (!cache) return false;
      const usable = cachedData !== null && !script.cachedDataRejected;
      const due = byUpdateStatus ? !usable || loadedInterim : cachedData === null || (loadedInterim && !usable);
      if (!due) return false;
      const name = byUpdateStatus ? cache.settled : cache.interim;
      const target = join(cache.dir, name);
      const partial = `${target}.${process.pid}`;
      try {
        writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
        renameSync(partial, target);
        // Caches of earlier builds, and the interim one once update-status wrote its own: nothing
        // reads them again.
        for (const other of readdirSync(cache.dir)) {
          if (other.startsWith(PREFIX) && other !== name && (byUpdateStatus || other !== cache.settled)) rmSync(join(cache.dir, other), { force: true });
        }
        return true;
      } catch {
        rmSync(partial, { force: true });
        return false;
      }
    },
  };
}
