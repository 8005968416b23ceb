import { afterEach, describe, expect, it, vi } from "vitest";
import { pino, type Logger } from "pino";
import { createLogger, formatLogLine, REDACTED_PATHS } from "../../src/juju/log.js";

/** Runs `write` against a logger configured like the charm's, returning the raw JSON lines. */
function capture(write: (log: Logger) => void): string[] {
  const lines: string[] = [];
  const log = pino({ base: undefined, timestamp: false, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, {
    write: (line: string) => lines.push(line),
  });
  write(log);
  return lines;
}

describe("juju-log formatting", () => {
  it("maps pino levels to Juju levels and keeps extra fields", () => {
    const lines = capture((log) => {
      log.info({ relation: 7 }, "serving consumer");
      log.warn("careful");
      log.error("broken");
    });
    expect(lines.map(formatLogLine)).toEqual([
      { level: "INFO", text: 'serving consumer {"relation":7}' },
      { level: "WARNING", text: "careful" },
      { level: "ERROR", text: "broken" },
    ]);
  });

  it("redacts secret-looking fields at the top level and one level down", () => {
    const lines = capture((log) => {
      log.info({ token: "hvs.AAAA", nested: { secret_id: "s-1", "role-secret-id": "s-2" }, keys: ["k1"] }, "issued");
    });
    const text = lines.map(formatLogLine)[0]!.text;
    expect(text).not.toMatch(/hvs\.AAAA|s-1|s-2|k1/);
    expect(text).toContain("[redacted]");
  });
});

describe("the charm's logger", () => {
  afterEach(() => vi.restoreAllMocks());

  /** Lines the logger wrote: outside a hook there is no juju-log, so they go to stderr. */
  function stderrLines(): string[] {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk).trimEnd());
      return true;
    });
    vi.stubEnv("PATH", "/nonexistent");
    return lines;
  }

  it("writes only at or above its level, and follows a level set later", () => {
    const lines = stderrLines();
    const log = createLogger("warn");
    log.info("quiet");
    log.debug("quieter");
    log.warn({ relation: 3 }, "careful");
    log.level = "debug";
    log.debug("now heard");
    vi.unstubAllEnvs();
    expect(lines).toEqual(['WARNING careful {"relation":3}', "DEBUG now heard"]);
  });

  it("redacts secret-looking fields", () => {
    const lines = stderrLines();
    createLogger().error({ token: "hvs.BBBB", nested: { password: "pw" } }, "refused");
    vi.unstubAllEnvs();
    expect(lines).toEqual(['ERROR refused {"token":"[redacted]","nested":{"password":"[redacted]"}}']);
  });
});
