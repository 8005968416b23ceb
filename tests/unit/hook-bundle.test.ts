// The handled-hook bundle's loader (src/hook-bundle.ts): a CommonJS file run as Node's loader would
// run it, with a V8 code cache named by the digest it is given (the build's, of the bundle and its
// loader), written once by update-status and replaced when V8 refuses it; before it, an interim
// cache written by the first other hook.
// tests/integration/compile-cache.test.ts checks it on a unit's hooks.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadHookBundle } from "../../src/hook-bundle.js";

const DIGEST = "a".repeat(64);
let dir: string;
let bundle: string;
let cacheDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "hook-bundle-"));
  bundle = join(dir, "run-hook.cjs");
  cacheDir = join(dir, "cache");
  writeFileSync(
    bundle,
    [
      `const { basename } = require("node:path");`,
      `exports.where = () => [basename(__filename), basename(__dirname)];`,
      `exports.fail = () => { throw new Error("from line 3"); };`,
      `exports.sloppy = () => { undeclared = 1; };`,
      `exports.sum = (n) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; };`,
    ].join("\n"),
  );
  mkdirSync(cacheDir, { mode: 0o700 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Exports = { where(): string[]; fail(): never; sloppy(): void; sum(n: number): number };
const cacheFiles = () => readdirSync(cacheDir);

/** A first hook writes the cache `name` (0600, alone in the directory); the next uses it and writes nothing. */
function expectWrittenThenKept(byUpdateStatus: boolean, name: string): void {
  const first = loadHookBundle<Exports>(bundle, DIGEST, cacheDir);
  first.exports.sum(10);
  expect(first.saveCodeCache(byUpdateStatus)).toBe(true);
  const file = join(cacheDir, name);
  expect(cacheFiles()).toEqual([name]);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const written = readFileSync(file);
  const second = loadHookBundle<Exports>(bundle, DIGEST, cacheDir);
  expect(second.exports.sum(10)).toBe(45);
  // Accepted by V8: nothing to write.
  expect(second.saveCodeCache(byUpdateStatus)).toBe(false);
  expect(readFileSync(file).equals(written)).toBe(true);
}

describe("the handled-hook bundle", () => {
  it("runs as a CommonJS module: require, __filename and __dirname, strict, with the file's own line numbers", () => {
    const { exports } = loadHookBundle<Exports>(bundle, DIGEST, cacheDir);
    expect(exports.where()).toEqual(["run-hook.cjs", dir.split("/").at(-1)]);
    expect(exports.sum(4)).toBe(6);
    expect(() => exports.sloppy()).toThrow(ReferenceError);
    const stack = (() => {
      try {
        exports.fail();
      } catch (error) {
        return (error as Error).stack ?? "";
      }
    })();
    expect(stack).toContain(`${bundle}:3:`);
  });

  it("writes its code cache once, 0600, named by the digest, and uses it after", () => {
    expectWrittenThenKept(true, `run-hook-${DIGEST}.v8`);
  });

  it("replaces a cache V8 refuses, and drops the caches of other builds when it writes", () => {
    const file = join(cacheDir, `run-hook-${DIGEST}.v8`);
    writeFileSync(file, "not a code cache", { mode: 0o600 });
    writeFileSync(join(cacheDir, `run-hook-${"b".repeat(64)}.v8`), "an earlier build's");
    writeFileSync(join(cacheDir, "v24.0.0-x64"), "Node's own compile cache: not ours");
    const loaded = loadHookBundle<Exports>(bundle, DIGEST, cacheDir);
    expect(loaded.exports.sum(3)).toBe(3);
    expect(loaded.saveCodeCache(true)).toBe(true);
    expect(readFileSync(file, "utf8")).not.toBe("not a code cache");
    expect(cacheFiles().sort()).toEqual([`run-hook-${DIGEST}.v8`, "v24.0.0-x64"]);
  });

  it("before update-status wrote one, the first other hook writes an interim cache; update-status replaces it and drops it", () => {
    const settled = join(cacheDir, `run-hook-${DIGEST}.v8`);
    // Written by the first hook, used as it is by the next.
    expectWrittenThenKept(false, `run-hook-${DIGEST}.interim.v8`);
    // update-status writes the cache of its own, and the interim one goes.
    const updateStatus = loadHookBundle<Exports>(bundle, DIGEST, cacheDir);
    updateStatus.exports.sum(5);
    expect(updateStatus.saveCodeCache(true)).toBe(true);
    expect(cacheFiles()).toEqual([`run-hook-${DIGEST}.v8`]);
    expect(statSync(settled).mode & 0o777).toBe(0o600);
    // From then on, other hooks write nothing, even where V8 refused update-status's cache.
    const later = loadHookBundle<Exports>(bundle, DIGEST, cacheDir);
    expect(later.saveCodeCache(false)).toBe(false);
    writeFileSync(settled, "not a code cache");
    const refused = loadHookBundle<Exports>(bundle, DIGEST, cacheDir);
    expect(refused.exports.sum(3)).toBe(3);
    expect(refused.saveCodeCache(false)).toBe(false);
    expect(cacheFiles()).toEqual([`run-hook-${DIGEST}.v8`]);
  });

  it("replaces an interim cache V8 refuses", () => {
    const interim = join(cacheDir, `run-hook-${DIGEST}.interim.v8`);
    writeFileSync(interim, "not a code cache", { mode: 0o600 });
    const loaded = loadHookBundle<Exports>(bundle, DIGEST, cacheDir);
    expect(loaded.exports.sum(3)).toBe(3);
    expect(loaded.saveCodeCache(false)).toBe(true);
    expect(readFileSync(interim, "utf8")).not.toBe("not a code cache");
  });

  it("runs without a cache when there is no directory for it, or no digest to name it by", () => {
    const unnamed = loadHookBundle<Exports>(bundle, "RUN_HOOK_DIGEST", cacheDir);
    expect(unnamed.exports.sum(3)).toBe(3);
    expect(unnamed.saveCodeCache(true)).toBe(false);
    const homeless = loadHookBundle<Exports>(bundle, DIGEST, null);
    expect(homeless.saveCodeCache(true)).toBe(false);
    const unwritable = loadHookBundle<Exports>(bundle, DIGEST, join(dir, "missing"));
    expect(unwritable.saveCodeCache(true)).toBe(false);
    expect(cacheFiles()).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(["cache", "run-hook.cjs"]);
  });
});
