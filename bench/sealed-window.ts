// How long a unit's Vault stays sealed (or unreachable) after `kill -9` of Vault, from the kill to
// the first seal-status that says unsealed. systemd restarts Vault (Restart=on-failure; the
// simulator's systemctl does the same); then either:
//   after:  the rendered unit's ExecStartPost asks the unit agent to run the charm now (juju-exec),
//   before: the mechanism disabled (its requests dropped); the charm runs at the next update-status,
//           here on an interval shortened to --update-status-interval so the run ends in minutes.
//           Juju's default interval is 5 minutes; the expected window there is printed beside it.
// Both measured in the same run on the same machine. Prints figures; never fails on time.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seeded } from "../tests/sim/seeded.js";
import { VaultClient } from "../src/vault/client.js";
import { sealStatus } from "../src/vault/sys.js";
import { Sim } from "../tests/sim/controller.js";
import { projectRoot } from "../tests/sim/paths.js";
import { findWorkloadBinary } from "../tests/sim/workload-binary.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}


async function waitUnsealed(probe: VaultClient, started: number, limitMs: number): Promise<number | null> {
  while (performance.now() - started < limitMs) {
    try {
      if (!(await sealStatus(probe)).sealed) return performance.now() - started;
    } catch {
      /* restarting: not listening yet */
    }
    await sleep(100);
  }
  return null;
}

export async function runSealedWindowBenchmark({ runs, updateStatusIntervalS }: { runs: number; updateStatusIntervalS: number }): Promise<void> {
  const server = findWorkloadBinary();
  const dir = mkdtempSync(join(tmpdir(), "vault-charm-sealed-"));
  const sim = await Sim.open(dir, { vaultBinary: server.path });
  const next = seeded(16);
  try {
    process.stdout.write(`sealed window after kill -9 of Vault, on ${server.implementation}: setting up an active unit...\n`);
    await sim.deploy(projectRoot(), { app: "vault" });
    const init = await sim.runAction("vault/0", "initialize", { "key-shares": 3, "key-threshold": 2 });
    const unseal = sim.addSecret("unseal", { keys: String(init.results["unseal-keys"]).split(",").slice(0, 2).join(",") });
    sim.grantSecret("unseal", "vault");
    await sim.setConfig("vault", { "unseal-keys": unseal });
    const ca = Object.values(sim.model.secrets).find((s) => s.label === "vault-ca")!;
    const caPem = Buffer.from(ca.revisions.at(-1)!.content.certificate!, "base64").toString();
    const probe = new VaultClient({ url: `https://${sim.unit("vault/0").address}:8200`, caPem, timeoutMs: 1000 });
    process.stdout.write(`unit status: ${sim.unit("vault/0").status.message}\n`);

    const measure = async (mechanism: boolean): Promise<number[]> => {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        const stop = mechanism ? sim.runJujuExecPromptly(50) : null;
        // before: Juju's update-status ticks at its own phase relative to the crash.
        const phase = next() * updateStatusIntervalS * 1000;
        let ticker: NodeJS.Timeout | null = null;
        const tick = () => {
          rmSync(join(sim.paths.dir, "juju-exec-queue"), { recursive: true, force: true }); // mechanism off: its requests are dropped
          void sim.runHook("vault/0", "update-status");
        };
        if (!mechanism) ticker = setTimeout(() => {
          tick();
          ticker = setInterval(tick, updateStatusIntervalS * 1000);
        }, phase);
        // Rate limit: the trigger runs the charm at most once per 5 s; space the crashes beyond it.
        await sleep(5500);
        const killed = performance.now();
        await sim.crashWorkload("vault/0", "vault", "SIGKILL");
        const window = await waitUnsealed(probe, killed, (updateStatusIntervalS + 60) * 1000);
        if (ticker) {
          clearTimeout(ticker);
          clearInterval(ticker);
        }
        stop?.();
        await sim.settle();
        if (window === null) throw new Error("Vault did not come back unsealed");
        samples.push(window / 1000);
        process.stdout.write(`  ${mechanism ? "after " : "before"} #${i + 1}: ${(window / 1000).toFixed(2)} s sealed\n`);
      }
      return samples;
    };
    const before = await measure(false);
    const after = await measure(true);
    const line = (name: string, s: number[]) => `${name.padEnd(58)} median ${quantile(s, 0.5).toFixed(2).padStart(7)} s   p95 ${quantile(s, 0.95).toFixed(2).padStart(7)} s   (${s.length} kills)\n`;
    process.stdout.write(`\nsealed window after kill -9 (kill -> first unsealed seal-status), ${server.implementation}\n`);
    process.stdout.write(line(`before: next update-status (every ${updateStatusIntervalS} s here)`, before));
    process.stdout.write(line("after: ExecStartPost -> juju-exec runs the charm", after));
    const hook = quantile(after, 0.5);
    process.stdout.write(`before, at Juju's default 5 min update-status: expected median ~${(150 + hook).toFixed(0)} s, p95 ~${(285 + hook).toFixed(0)} s (uniform phase + one hook)\n`);
  } finally {
    await sim.destroy();
  }
}
