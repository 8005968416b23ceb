// Issue 16 finding 9: after `kill -9` of Vault, systemd restarts it sealed; the rendered unit's
// ExecStartPost asks the unit agent to run the charm at once (juju-exec), so the unit is unsealed
// again within seconds with no operator step and no unseal key on disk.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealStatus } from "../../src/vault/sys.js";
import { deployReadyVault, type ReadyVault } from "./fixtures.js";
import { implementations } from "./servers.js";

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`unsealed within seconds after a Vault crash on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let ready: ReadyVault;
    let stopPump: () => void = () => undefined;
    beforeAll(async () => {
      ready = await deployReadyVault(impl.bin!, "crash-unseal-");
    }, 240_000);
    afterAll(async () => {
      stopPump();
      await ready?.sim.destroy();
    });

    it("renders ExecStartPost that runs the charm through juju-exec, rate-limited", () => {
      const root = ready.sim.unit("vault/0").dataDir;
      const unit = readFileSync(join(root, "etc/systemd/system/vault.service"), "utf8");
      const script = join(root, "var/lib/vault-charm/on-vault-start.sh");
      expect(unit).toContain(`ExecStartPost=-/bin/sh ${script}`);
      expect(unit).toContain("Restart=on-failure");
      const body = readFileSync(script, "utf8");
      expect(body).toContain("juju-exec 'vault/0' 'JUJU_DISPATCH_PATH=hooks/update-status ./dispatch'");
      expect(body).toMatch(/-ge 5 \] \|\| exit 0/);
      expect(statSync(script).mode & 0o777).toBe(0o755);
    });

    it("is unsealed again within seconds of kill -9, with no operator step and no key on disk", async () => {
      stopPump = ready.sim.runJujuExecPromptly(50);
      const verbsBefore = ready.sim.runs.length;
      const started = Date.now();
      await ready.sim.crashWorkload("vault/0", "vault", "SIGKILL");
      let unsealedAfter: number | null = null;
      while (Date.now() - started < 30_000) {
        const state = await sealStatus(ready.root).catch(() => null);
        if (state && !state.sealed) {
          unsealedAfter = Date.now() - started;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(unsealedAfter, "still sealed 30 s after the crash").not.toBeNull();
      expect(unsealedAfter!).toBeLessThan(30_000);
      // The hook that unsealed it was asked for by the machine (juju-exec), not by a test verb; it
      // is recorded once it has finished.
      await ready.sim.settle();
      const ran = ready.sim.runs.slice(verbsBefore);
      expect(ran.map((r) => `${r.name}:${r.exitCode}`)).toContain("update-status:0");
      const events = readFileSync(join(ready.sim.unit("vault/0").dataDir, "service-events.log"), "utf8");
      expect(events).toContain("restart-on-failure");
      const keys = Object.values(ready.sim.model.secrets).find((s) => s.name === "vault-unseal")!.revisions.at(-1)!.content.keys!;
      const share = Buffer.from(keys, "base64").toString();
      for (const file of filesUnder(ready.sim.unit("vault/0").dataDir).filter((f) => !f.includes("/raft/") && !f.includes("/data/"))) {
        expect(readFileSync(file, "utf8").includes(share), `${file} holds an unseal key`).toBe(false);
      }
    });
  });
}
