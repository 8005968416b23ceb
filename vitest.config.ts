import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/setup/global.ts"],
    // Every file: no secret in any simulated model's logs or process arguments.
    setupFiles: ["tests/setup/leak-scan.ts"],
    // Integration suites start real servers and real hook processes; 2 cores in CI.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    minWorkers: 1,
  },
});
