// When update-status may take the last hook's findings as given (src/hook-memo.ts): only in
// update-status, after a hook that ended cleanly, with the same leadership, within the hour; every
// other hook starts from nothing, and update-status carries what it was given forward with its
// original time, so the hourly full look comes whatever happens in between. Another hook may take a
// single finding on the same terms (lastHookFinding), and what it remembers then dates from that.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MEMO_MAX_AGE_MS, lastHookFinding, memoTrusted, openMemo, recall, remember, saveMemo } from "../../src/hook-memo.js";

const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

describe("the hook memo", () => {
  let root: string;
  const file = () => join(root, "var/lib/vault-charm/hook-memo.json");
  const hookThatFound = (leader = true) => {
    openMemo({ updateStatus: false, previousEndedCleanly: true, leader, nowMs: T0 });
    remember("address", "10.0.0.7");
    remember("status", { unit: { level: "active", message: "Unsealed (active)" }, app: null });
    saveMemo();
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "hook-memo-"));
    mkdirSync(join(root, "var/lib/vault-charm"), { recursive: true });
    process.env.VAULT_CHARM_SIM_ROOT = root;
  });
  afterEach(() => {
    delete process.env.VAULT_CHARM_SIM_ROOT;
    rmSync(root, { recursive: true, force: true });
  });

  it("is trusted by the next update-status, and written 0600", () => {
    hookThatFound();
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    openMemo({ updateStatus: true, previousEndedCleanly: true, leader: true, nowMs: T0 + 5 * 60_000 });
    expect(memoTrusted()).toBe(true);
    expect(recall("address")).toBe("10.0.0.7");
  });

  it("is not trusted by any other hook, which starts from nothing", () => {
    hookThatFound();
    openMemo({ updateStatus: false, previousEndedCleanly: true, leader: true, nowMs: T0 + 60_000 });
    expect(memoTrusted()).toBe(false);
    expect(recall("address")).toBeUndefined();
    saveMemo();
    expect(JSON.parse(readFileSync(file(), "utf8"))).not.toHaveProperty("address");
  });

  it("is not trusted after a hook that did not end cleanly, or by a unit whose leadership changed", () => {
    hookThatFound();
    openMemo({ updateStatus: true, previousEndedCleanly: false, leader: true, nowMs: T0 + 60_000 });
    expect(memoTrusted()).toBe(false);
    openMemo({ updateStatus: true, previousEndedCleanly: true, leader: false, nowMs: T0 + 60_000 });
    expect(memoTrusted()).toBe(false);
  });

  it("is trusted for an hour at most, counted from the hook that looked, not from update-status", () => {
    hookThatFound();
    openMemo({ updateStatus: true, previousEndedCleanly: true, leader: true, nowMs: T0 + MEMO_MAX_AGE_MS - 60_000 });
    remember("unsealKeys", { uri: "secret:x", problem: null });
    saveMemo();
    const carried = JSON.parse(readFileSync(file(), "utf8")) as { at: number; address: string; unsealKeys: unknown };
    expect(carried.at).toBe(T0);
    expect(carried.address).toBe("10.0.0.7");
    expect(carried.unsealKeys).toEqual({ uri: "secret:x", problem: null });
    openMemo({ updateStatus: true, previousEndedCleanly: true, leader: true, nowMs: T0 + MEMO_MAX_AGE_MS });
    expect(memoTrusted()).toBe(false);
    // A clock that went back is no reason to trust it either.
    openMemo({ updateStatus: true, previousEndedCleanly: true, leader: true, nowMs: T0 - 1 });
    expect(memoTrusted()).toBe(false);
  });

  it("gives another hook a single finding of the last on the same terms, and dates what it remembers from it", () => {
    hookThatFound();
    openMemo({ updateStatus: false, previousEndedCleanly: true, leader: true, nowMs: T0 + 60_000 });
    expect(recall("address")).toBeUndefined();
    expect(lastHookFinding("address")).toBe("10.0.0.7");
    saveMemo();
    expect((JSON.parse(readFileSync(file(), "utf8")) as { at: number }).at).toBe(T0);
    // A hook that takes nothing from the last dates its memo from itself.
    openMemo({ updateStatus: false, previousEndedCleanly: true, leader: true, nowMs: T0 + 2 * 60_000 });
    saveMemo();
    expect((JSON.parse(readFileSync(file(), "utf8")) as { at: number }).at).toBe(T0 + 2 * 60_000);
    for (const terms of [
      { previousEndedCleanly: false, leader: true, nowMs: T0 + 3 * 60_000 },
      { previousEndedCleanly: true, leader: false, nowMs: T0 + 3 * 60_000 },
      { previousEndedCleanly: true, leader: true, nowMs: T0 + 2 * 60_000 + MEMO_MAX_AGE_MS },
    ]) {
      hookThatFound();
      openMemo({ updateStatus: false, ...terms });
      expect(lastHookFinding("address"), JSON.stringify(terms)).toBeUndefined();
    }
  });

  it("ignores a memo it cannot read, or of another format", () => {
    writeFileSync(file(), "{not json");
    openMemo({ updateStatus: true, previousEndedCleanly: true, leader: true, nowMs: T0 });
    expect(memoTrusted()).toBe(false);
    writeFileSync(file(), JSON.stringify({ format: 99, at: T0, leader: true, address: "10.9.9.9" }));
    openMemo({ updateStatus: true, previousEndedCleanly: true, leader: true, nowMs: T0 });
    expect(memoTrusted()).toBe(false);
  });
});
