import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { formatLogLine, REDACTED_PATHS } from "../../src/juju/log.js";

function capture(write: (obj: Record<string, unknown>) => void): string[] {
  const lines: string[] = [];
  const log = pino({ base: undefined, timestamp: false, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } }, {
    write: (line: string) => lines.push(line),
  });
  write(log as unknown as Record<string, unknown>);
  return lines;
}

describe("juju-log formatting", () => {
  it("maps pino levels to Juju levels and keeps extra fields", () => {
    const lines = capture((log) => {
      const l = log as unknown as pino.Logger;
      l.info({ relation: 7 }, "serving consumer");
      l.warn("careful");
      l.error("broken");
    });
    expect(lines.map(formatLogLine)).toEqual([
      { level: "INFO", text: 'serving consumer {"relation":7}' },
      { level: "WARNING", text: "careful" },
      { level: "ERROR", text: "broken" },
    ]);
  });

  it("redacts secret-looking fields at the top level and one level down", () => {
    const lines = capture((log) => {
      const l = log as unknown as pino.Logger;
      l.info({ token: "hvs.AAAA", nested: { secret_id: "s-1", "role-secret-id": "s-2" }, keys: ["k1"] }, "issued");
    });
    const text = lines.map(formatLogLine)[0]!.text;
    expect(text).not.toMatch(/hvs\.AAAA|s-1|s-2|k1/);
    expect(text).toContain("[redacted]");
  });
});
