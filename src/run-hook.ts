// A handled event's hook, loaded by src/main.ts once it knows the charm handles the event: the
// logger, the config and the charm, in one dynamic import.
import { handleEvent, publishStatus } from "./charm.js";
import { parseConfig } from "./config.js";
import { CHARM_ENDPOINTS, type Hook } from "./hook.js";
import { createLogger, getConfig, isLeader, parseDispatchPath, type JujuContext } from "./juju/index.js";
import { openMemo, recall, remember, saveMemo } from "./hook-memo.js";
import { keepPeerAppBag } from "./relations/peers.js";
import { noteHookFinished, noteHookStarted } from "./unfinished-hook.js";

export async function runHook(juju: JujuContext): Promise<number> {
  const log = createLogger();
  const event = parseDispatchPath(juju.dispatchPath, CHARM_ENDPOINTS);
  const previousEndedCleanly = noteHookStarted();
  try {
    const leader = isLeader();
    openMemo({ updateStatus: event.type === "lifecycle" && event.hook === "update-status", previousEndedCleanly, leader });
    // Juju runs config-changed before update-status whenever the config changed (src/hook-memo.ts).
    const raw = recall("config") ?? getConfig();
    remember("config", raw);
    const { config, problems } = parseConfig(raw);
    log.level = config.logLevel === "warn" ? "warn" : config.logLevel;
    const hook: Hook = { juju, event, log, isLeader: leader, config, configProblems: problems };
    const outcome = await handleEvent(hook);
    if (!publishStatus(outcome, log)) return 1;
    saveMemo();
    keepPeerAppBag();
    noteHookFinished();
    return 0;
  } catch (error) {
    // A real fault: Juju marks the hook failed and retries it; the reason goes to the unit log.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    log.error(`hook ${juju.dispatchPath} failed: ${message}`);
    return 1;
  }
}
