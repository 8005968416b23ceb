// Entry point of every hook and action: dispatch -> dist/charm.mjs -> here.
import { parseConfig } from "./config.js";
import { CHARM_ENDPOINTS, type Hook } from "./hook.js";
import { noteHookFinished, noteHookStarted } from "./unfinished-hook.js";
import { createLogger, getConfig, isLeader, JujuContextError, parseDispatchPath, readJujuContext } from "./juju/index.js";

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
  const log = createLogger();
  const event = parseDispatchPath(juju.dispatchPath, CHARM_ENDPOINTS);
  if (event.type === "unknown") {
    log.debug(`ignoring ${juju.dispatchPath}: not an event this charm handles`);
    return 0;
  }
  noteHookStarted();
  try {
    const { config, problems } = parseConfig(getConfig());
    log.level = config.logLevel === "warn" ? "warn" : config.logLevel;
    const hook: Hook = { juju, event, log, isLeader: isLeader(), config, configProblems: problems };
    // Loaded only for events the charm handles: an ignored event costs just the runtime above.
    const { handleEvent, publishStatus } = await import("./charm.js");
    const outcome = await handleEvent(hook);
    if (!publishStatus(outcome, log)) return 1;
    noteHookFinished();
    return 0;
  } catch (error) {
    // A real fault: Juju marks the hook failed and retries it; the reason goes to the unit log.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log.error(`hook ${juju.dispatchPath} failed: ${message}`);
    return 1;
  }
}

process.exitCode = await main();
