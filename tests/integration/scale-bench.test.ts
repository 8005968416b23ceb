// The scale benchmark (bench/scale.ts, `npm run bench -- --scale`) at a CI-sized N, so it keeps
// working between the long runs: each dialect provisioned with two consumer units on HashiCorp
// Vault (the benchmark counts requests with a file audit device enabled at run time, which OpenBao
// does not allow). The figures it asserts are counts, not times: a converged update-status makes no
// Vault write and stays within issue 17's call and request targets; adding a unit and provisioning
// are seen in the vault unit's own hooks and in Vault's audit log.
import { describe, expect, it } from "vitest";
import { formatScaleRow, measureScale } from "../../bench/scale.js";
import { projectRoot } from "../sim/paths.js";
import { implementations } from "./servers.js";

const vault = implementations().find((i) => i.name === "vault")!;

describe.skipIf(!vault.bin)(`the scale benchmark at N = 2${vault.bin ? "" : " (HashiCorp Vault not installed: skipped)"}`, () => {
  for (const dialect of ["v0", "legacy"] as const) {
    it(`${dialect}: measures provisioning, a converged update-status and one more unit`, { timeout: 240_000 }, async () => {
      const row = await measureScale(2, dialect, projectRoot(), vault.bin!);
      expect(row.updateWrites).toBe(0);
      expect(row.updateCalls).toBeLessThanOrEqual(8);
      // Legacy checks the first login of units that never log in (the bench requirer): 3 more.
      expect(row.updateRequests).toBeLessThanOrEqual(dialect === "v0" ? 3 : 9);
      expect(row.hourlyCalls).toBeGreaterThan(row.updateCalls);
      // A unit is served with its own AppRole and secret-id: Vault writes, and the vault unit's calls.
      expect(row.addRequests).toBeGreaterThanOrEqual(2);
      expect(row.addCalls).toBeGreaterThan(0);
      expect(row.provisionVaultS).toBeGreaterThan(0);
      expect(row.provisionVaultS).toBeLessThan(row.provisionS);
      expect(row.provisionVaultRequests).toBeGreaterThanOrEqual(2 * row.addRequests);
      expect(row.rssMiB).toBeGreaterThan(0);
      expect(formatScaleRow(row, row)).toContain("vault unit");
    });
  }
});
