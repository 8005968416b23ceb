// pino, routed to juju-log. Fields whose names look like secrets are redacted before a line is
// formatted, so a careless `log.info({ token })` cannot leak one into the unit log.
//
// pino itself is loaded by the first line a hook logs at its level, not with the hook: evaluating
// it (its streams, worker_threads for transports) is ~8 ms of CPU on the pinned Node 24, and a
// converged update-status logs nothing.
import type { LogFn, Logger as PinoLogger } from "pino";
import { HookToolMissingError } from "./errors.js";
import { jujuLog } from "./tools/unit.js";

const SECRET_FIELD_NAMES = [
  "token",
  "secret_id",
  "secretId",
  '["secret-id"]',
  '["role-secret-id"]',
  "root_token",
  "rootToken",
  "keys",
  "key",
  "password",
  "content",
  "privateKey",
  '["private-key"]',
  "unseal_keys",
  "unsealKeys",
];

/** Each name at the top level and one level down (pino's wildcard covers one level). */
export const REDACTED_PATHS = SECRET_FIELD_NAMES.flatMap((name) =>
  name.startsWith("[") ? [name.slice(2, -2), `*${name}`] : [name, `*.${name}`],
);

type JujuLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

function jujuLevel(pinoLevel: number): JujuLevel {
  if (pinoLevel >= 50) return "ERROR";
  if (pinoLevel >= 40) return "WARNING";
  if (pinoLevel >= 30) return "INFO";
  return "DEBUG";
}

const OMITTED_FIELDS = new Set(["level", "time", "msg", "pid", "hostname"]);

/** One pino JSON line -> "message {extra fields}" for juju-log. */
export function formatLogLine(line: string): { level: JujuLevel; text: string } {
  const record = JSON.parse(line) as Record<string, unknown>;
  const extra = Object.fromEntries(Object.entries(record).filter(([k]) => !OMITTED_FIELDS.has(k)));
  const msg = typeof record.msg === "string" ? record.msg : "";
  const text = Object.keys(extra).length > 0 ? `${msg} ${JSON.stringify(extra)}` : msg;
  return { level: jujuLevel(Number(record.level)), text };
}

const jujuLogStream = {
  write(line: string): void {
    const { level, text } = formatLogLine(line);
    try {
      jujuLog(level, text);
    } catch (error) {
      // Outside a hook (tests, CLI) there is no juju-log: stderr is the only place left.
      if (error instanceof HookToolMissingError) process.stderr.write(`${level} ${text}\n`);
      else throw error;
    }
  },
};

/** The part of pino's logger the charm uses. */
export interface Logger {
  level: string;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

// pino's numeric levels, to tell without loading it whether a line would be written.
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

function loadPino(level: string): PinoLogger {
  // A require() call, not an import, so the bundler evaluates pino here (esbuild turns it into the
  // bundled module's initialiser) rather than when this module loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { pino } = require("pino") as typeof import("pino");
  return pino({ level, base: undefined, timestamp: false, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, jujuLogStream);
}

export function createLogger(initialLevel = "info"): Logger {
  let level = initialLevel;
  let loaded: PinoLogger | null = null;
  const at = (name: "debug" | "info" | "warn" | "error"): LogFn =>
    ((...args: unknown[]) => {
      if (LEVELS[name]! < (LEVELS[level] ?? LEVELS.info!)) return;
      loaded ??= loadPino(level);
      Reflect.apply(loaded[name], loaded, args);
    }) as LogFn;
  return {
    get level() {
      return level;
    },
    set level(value: string) {
      level = value;
      if (loaded) loaded.level = value;
    },
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
  };
}
