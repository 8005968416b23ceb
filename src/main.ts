// Entry point of every hook and action: dispatch -> dist/charm.mjs -> here.
// Only what it takes to name the event is imported statically: an event the charm ignores never
// loads the logger (pino and its streams, ~12 ms of module evaluation on the pinned Node 24), the
// config parser or the hook tools. The rest comes in with one file once the event is known
// (dist/run-hook.cjs, compiled with a code cache: src/hook-bundle.ts).
import { join } from "node:path";
import { compileCacheDir, startCompileCache } from "./compile-cache.js";
import { loadHookBundle } from "./hook-bundle.js";
import { CHARM_ENDPOINTS } from "./hook.js";
import { JujuContextError, readJujuContext } from "./juju/context.js";
import { parseDispatchPath } from "./juju/events.js";

/** dist/run-hook.cjs's SHA-256, put in by scripts/build.mjs (src/hook-bundle.ts names its code cache by it). */
declare const RUN_HOOK_DIGEST: string;

export async function main(): Promise<number> {
  let juju;
  try {
    juju = readJujuContext();
  } catch (error) {
    if (error instanceof JujuContextError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // Not an event this charm handles: nothing to do and nothing worth a debug line in the unit log,
  // so it costs the runtime's start-up and this module only.
  const event = parseDispatchPath(juju.dispatchPath, CHARM_ENDPOINTS);
  if (event.type === "unknown") return 0;
  const cached = startCompileCache({ afresh: event.type === "lifecycle" && event.hook === "upgrade-charm" });
  const bundle = loadHookBundle<typeof import("./run-hook.js")>(join(import.meta.dirname, "run-hook.cjs"), RUN_HOOK_DIGEST, cached ? compileCacheDir() : null);
  const code = await bundle.exports.runHook(juju);
  if (code === 0) bundle.saveCodeCache(event.type === "lifecycle" && event.hook === "update-status");
  return code;
}

process.exitCode = await main();
