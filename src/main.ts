// Entry point of every hook and action: dispatch -> dist/charm.mjs -> here.
// Only what it takes to name the event is imported statically: an event the charm ignores never
// loads the logger (pino and its streams, ~12 ms of module evaluation on the pinned Node 24), the
// config parser or the hook tools. The rest comes in with one dynamic import once the event is known.
import { startCompileCache } from "./compile-cache.js";
import { CHARM_ENDPOINTS } from "./hook.js";
import { JujuContextError, readJujuContext } from "./juju/context.js";
import { parseDispatchPath } from "./juju/events.js";

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
  startCompileCache({ afresh: event.type === "lifecycle" && event.hook === "upgrade-charm" });
  const { runHook } = await import("./run-hook.js");
  return runHook(juju);
}

process.exitCode = await main();
