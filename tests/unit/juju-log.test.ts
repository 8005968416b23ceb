import { describe, expect, it } from "vitest";
import { pino, type Logger } from "pino";
import { formatLogLine, REDACTED_PATHS } from "../../src/juju/log.js";

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
