// V8's compile cache for hooks (src/compile-cache.ts): hooks fill it in the unit's own state
// directory, readable by nobody else, and a unit whose cache cannot be written runs its hooks as
// before; upgrade-charm starts it afresh. Hooks run on the charm's pinned Node 24, the runtime that
// has module.enableCompileCache.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sim } from "../sim/controller.js";
import { projectRoot } from "../sim/paths.js";
import { implementations } from "./servers.js";

const impl = implementations().find((i) => i.bin)!;

describe.skipIf(!impl)(`hooks' compile cache${impl ? ` (on ${impl.name})` : " (no server binary installed: skipped)"}`, () => {
  let sim: Sim;
  let cacheDir: string;

  beforeAll(async () => {
    sim = await Sim.open(mkdtempSync(join(tmpdir(), "compile-cache-")), { vaultBinary: impl.bin! });
    await sim.deploy(projectRoot(), { app: "vault" });
    cacheDir = join(sim.unit("vault/0").dataDir, "var/lib/vault-charm/compile-cache");
  }, 180_000);
  afterAll(async () => sim?.destroy());

  it("is filled by the unit's hooks in the charm's state directory, mode 0700", () => {
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    // One subdirectory per runtime (Node names it by version, arch and V8 flags), holding entries.
    const [runtime, ...others] = readdirSync(cacheDir);
    expect(others).toEqual([]);
    expect(runtime).toMatch(/^v24\./);
    expect(readdirSync(join(cacheDir, runtime!)).length).toBeGreaterThan(0);
  });

  it("starts afresh in upgrade-charm: what earlier builds of the charm left is dropped, and the cache filled again", async () => {
    const [runtime] = readdirSync(cacheDir);
    const stale = join(cacheDir, runtime!, "left-by-an-earlier-build");
    writeFileSync(stale, "compiled code nothing reads any more");
    await sim.runHook("vault/0", "update-status");
    expect(existsSync(stale)).toBe(true);
    await sim.runHook("vault/0", "upgrade-charm");
    expect(sim.unit("vault/0").errorHook).toBeNull();
    expect(existsSync(stale)).toBe(false);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(cacheDir, runtime!)).length).toBeGreaterThan(0);
  });

  it("does not stand in a hook's way when it cannot be written", async () => {
    const { status, message } = sim.unit("vault/0").status;
    rmSync(cacheDir, { recursive: true });
    writeFileSync(cacheDir, "not a directory"); // root ignores modes: a file where the directory goes
    const before = sim.runs.length;
    await sim.runHook("vault/0", "update-status");
    expect(sim.runs.slice(before).map((r) => [r.name, r.exitCode])).toEqual([["update-status", 0]]);
    expect(sim.unit("vault/0").status).toMatchObject({ status, message });
    expect(statSync(cacheDir).isFile()).toBe(true);
  });
});
