// pino, routed to juju-log. Fields whose names look like secrets are redacted before a line is
// formatted, so a careless `log.info({ token })` cannot leak one into the unit log.
import { pino, type Logger } from "pino";
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

export function createLogger(level = "info"): Logger {
  return pino(
    { level, base: undefined, timestamp: false, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
    jujuLogStream,
  );
}

export type { Logger };
