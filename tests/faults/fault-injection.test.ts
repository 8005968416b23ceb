// The fault-injection suite (tests/faults/suite.ts). CI runs a seeded sample; the full run (at
// least 500 faults) is behind an environment flag:
//   VAULT_CHARM_FAULTS=full npx vitest run tests/faults     (VAULT_CHARM_FAULT_SEED, _COUNT, _SERVER to vary)
// It prints faults injected, invariants checked and violations, and fails on any violation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployReadyVault, type ReadyVault } from "../integration/fixtures.js";
import { implementations } from "../integration/servers.js";
import { FaultSuite } from "./suite.js";

const FULL = process.env.VAULT_CHARM_FAULTS === "full";
const SEED = Number(process.env.VAULT_CHARM_FAULT_SEED ?? 16);
const COUNT = Number(process.env.VAULT_CHARM_FAULT_COUNT ?? (FULL ? 520 : 8));

// One server is enough for the sample (OpenBao installs in seconds); the full run takes each built
// one, or the one VAULT_CHARM_FAULT_SERVER names (vault, openbao).
const ONLY = process.env.VAULT_CHARM_FAULT_SERVER;
const servers = implementations().filter((impl) => impl.bin && (ONLY ? impl.name === ONLY : FULL || impl.name === "openbao"));

for (const impl of servers) {
  describe(`fault injection on ${impl.name} (${FULL ? "full" : "sample"}, seed ${SEED}, ${COUNT} faults)`, () => {
    let ready: ReadyVault;
    let suite: FaultSuite;
    let stopPump: () => void = () => undefined;

    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "faults-");
      // The machine's own trigger (ExecStartPost -> juju-exec) runs the charm as on a real unit.
      stopPump = ready.sim.runJujuExecPromptly(50);
      suite = new FaultSuite(ready, SEED, (line) => process.stdout.write(`${line}\n`));
      await suite.setUp();
    }, 600_000);
    afterAll(async () => {
      stopPump();
      await ready?.sim.destroy();
    });

    it(
      `injects ${COUNT} seeded faults and every invariant holds after each`,
      async () => {
        const r = suite.result;
        for (let i = 1; i <= COUNT; i++) {
          await suite.runOne(i);
          if (i % 25 === 0) process.stdout.write(`  progress: ${i}/${COUNT} steps, faults injected ${r.faultsInjected}, invariants checked ${r.invariantsChecked}, violations ${r.violations.length}\n`);
        }
        process.stdout.write(
          `fault injection on ${impl.name}, seed ${SEED}: faults injected ${r.faultsInjected} (of ${r.faultsPlanned} planned; by kind ${JSON.stringify(r.byFault)}), ` +
            `invariants checked ${r.invariantsChecked}, violations ${r.violations.length}\n`,
        );
        expect(r.faultsInjected).toBeGreaterThan(0);
        expect(r.violations).toEqual([]);
      },
      FULL ? 24 * 3600_000 : 900_000,
    );
  });
}
