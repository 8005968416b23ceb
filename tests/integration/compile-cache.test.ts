// V8's compile cache for hooks (src/compile-cache.ts) and the hook bundle's code cache beside it
// (src/hook-bundle.ts; an interim one before the first update-status): hooks fill them in the unit's
// own state directory, readable by nobody else, and a unit whose cache cannot be written runs its
// hooks as before; upgrade-charm starts afresh.
// Hooks run on the charm's pinned Node 24, the runtime that has module.enableCompileCache.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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

  /** Node's own entries: one subdirectory per runtime (named by version, arch and V8 flags). */
  const runtimes = () => readdirSync(cacheDir).filter((name) => !name.startsWith("run-hook-"));
  const codeCaches = () => readdirSync(cacheDir).filter((name) => name.startsWith("run-hook-"));

  it("is filled by the unit's hooks in the charm's state directory, mode 0700", () => {
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    const [runtime, ...others] = runtimes();
    expect(others).toEqual([]);
    expect(runtime).toMatch(/^v24\./);
    expect(readdirSync(join(cacheDir, runtime!)).length).toBeGreaterThan(0);
  });

  it("holds the hook bundle's code as update-status ran it, 0600, named by the digest of the bundle and its loader; a cache V8 refuses is replaced", async () => {
    // The bundle and its loader's source (scripts/build.mjs): a wrapper changed to one of the same
    // length must not meet an older build's cache.
    const digest = createHash("sha256").update(readFileSync(join(sim.unit("vault/0").charmDir, "dist/run-hook.cjs"))).update("\0").update(readFileSync(join(projectRoot(), "src/hook-bundle.ts"))).digest("hex");
    // Before the unit's first update-status, the deploy's first hook left an interim cache.
    expect(codeCaches()).toEqual([`run-hook-${digest}.interim.v8`]);
    expect(statSync(join(cacheDir, `run-hook-${digest}.interim.v8`)).mode & 0o777).toBe(0o600);
    await sim.runHook("vault/0", "update-status");
    const file = join(cacheDir, `run-hook-${digest}.v8`);
    expect(codeCaches()).toEqual([`run-hook-${digest}.v8`]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file);
    const { status, message } = sim.unit("vault/0").status;
    await sim.runHook("vault/0", "update-status");
    expect(readFileSync(file).equals(written)).toBe(true);
    writeFileSync(file, "a cache of another runtime");
    const before = sim.runs.length;
    await sim.runHook("vault/0", "update-status");
    expect(sim.runs.slice(before).map((r) => [r.name, r.exitCode])).toEqual([["update-status", 0]]);
    expect(sim.unit("vault/0").status).toMatchObject({ status, message });
    expect(readFileSync(file).length).toBeGreaterThan(1000);
  });

  it("starts afresh in upgrade-charm: what earlier builds of the charm left is dropped, and the caches filled again", async () => {
    const [runtime] = runtimes();
    const stale = join(cacheDir, runtime!, "left-by-an-earlier-build");
    writeFileSync(stale, "compiled code nothing reads any more");
    await sim.runHook("vault/0", "update-status");
    expect(existsSync(stale)).toBe(true);
    await sim.runHook("vault/0", "upgrade-charm");
    expect(sim.unit("vault/0").errorHook).toBeNull();
    expect(existsSync(stale)).toBe(false);
    // upgrade-charm emptied the directory first, then left an interim cache of what it ran.
    expect(codeCaches()).toEqual([expect.stringMatching(/^run-hook-[0-9a-f]{64}\.interim\.v8$/)]);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    // Filled again by the next hooks: the hook bundle's by update-status, Node's by the files it
    // loads through require() (the logger's, when a hook writes a line).
    await sim.runHook("vault/0", "update-status");
    expect(codeCaches()).toEqual([expect.stringMatching(/^run-hook-[0-9a-f]{64}\.v8$/)]);
    expect(runtimes()).toEqual([runtime]);
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
