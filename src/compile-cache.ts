// V8's compile cache for the files hooks load through Node's module loader (Node's
// module.enableCompileCache), kept in the charm's unit-local state directory: the logger's file
// (dist/chunks/pino.cjs, 140 KB, the first line a hook writes) and node-forge's (600 KB, issuing a
// certificate). With it, V8 reads the code it compiled when it first loaded the file (the top level
// and what it compiles eagerly) instead of parsing and compiling it again. The hook bundle itself is
// compiled with a cache of its own in the same directory, written after a hook ran
// (src/hook-bundle.ts). Node keys entries by the runtime's version and by each file's path and
// content hash, so an upgraded charm or runtime writes new entries beside the old, which nothing
// reads again: the upgrade-charm hook starts the directory afresh, so it holds one charm's worth.
import { mkdirSync, rmSync } from "node:fs";
import * as nodeModule from "node:module";
import { join } from "node:path";
import { vaultPaths } from "./vault/paths.js";

// Node 22.1+ (the pinned runtime is 24); the development typings are Node 20's, which lack it.
const { enableCompileCache } = nodeModule as unknown as { enableCompileCache: (dir: string) => { status: number } };
const ENABLED = 1; // module.constants.compileCacheStatus.ENABLED

export function compileCacheDir(): string {
  return join(vaultPaths().charmState, "compile-cache");
}

/**
 * Turns the cache on for modules loaded from now on. The directory is the charm's alone (0700): code
 * V8 would run must not be writable by anyone else. Anything that stops it (a read-only or full disk,
 * NODE_DISABLE_COMPILE_CACHE=1) leaves the hook to compile as it would without a cache. `afresh`
 * drops what earlier builds of the charm left first.
 */
export function startCompileCache({ dir = compileCacheDir(), afresh = false }: { dir?: string; afresh?: boolean } = {}): boolean {
  try {
    if (afresh) rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return enableCompileCache(dir).status === ENABLED;
  } catch {
    return false;
  }
}
