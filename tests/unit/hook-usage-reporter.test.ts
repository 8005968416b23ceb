// The benchmarks' per-hook peak RSS must be the hook's own. Linux carries getrusage's ru_maxrss
// across fork and exec, so a process spawned by a large parent (the simulator holding a model of
// 1,000 units) reported the parent's resident set as its own; the reporter reads VmHWM instead.
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { usageReporter } from "../../bench/hook-rss.js";

describe("the benchmarks' hook usage reporter", () => {
  it("reports a child's own peak RSS, not the resident set of the parent that spawned it", () => {
    const reporter = usageReporter(mkdtempSync(join(tmpdir(), "usage-reporter-")));
    // A parent holding 256 MiB spawns `node -e 0` with the reporter preloaded, and says what
    // getrusage would have reported for that child.
    const parent = `
      const held = Buffer.alloc(256 * 1024 * 1024, 1);
      const child = require("node:child_process").spawnSync(process.execPath, ["-e", "0"], { env: { ...process.env, ...${JSON.stringify(reporter.env)} }, stdio: "inherit" });
      const rusage = require("node:child_process").spawnSync(process.execPath, ["-p", "process.resourceUsage().maxRSS"], { encoding: "utf8" });
      process.stdout.write(String(Number(rusage.stdout) / 1024));
      process.exitCode = child.status ?? 1;
      held.length;`;
    const run = spawnSync(process.execPath, ["-e", parent], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    // What ru_maxrss says of such a child: the parent's 256 MiB and more.
    expect(Number(run.stdout)).toBeGreaterThan(256);
    const usage = reporter.read("node -e 0");
    expect(usage.rssMiB).toBeGreaterThan(10);
    expect(usage.rssMiB).toBeLessThan(128);
    expect(usage.cpuMs).toBeGreaterThan(0);
  });
});
