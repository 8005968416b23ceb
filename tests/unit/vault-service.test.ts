// The storage copy (`vault operator migrate`, src/vault/service.ts) with a stand-in `vault` on PATH
// that talks as much as Vault does about a large store: one log line per key copied.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { migrateStorage } from "../../src/vault/service.js";

let dir: string;
let path: string | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "vault-service-"));
  path = process.env.PATH;
  process.env.PATH = `${dir}:${path}`;
});
afterEach(() => {
  process.env.PATH = path;
  rmSync(dir, { recursive: true, force: true });
});

function standIn(script: string): void {
  writeFileSync(join(dir, "vault"), `#!/bin/sh\nprintf '%s\\n' "$@" > ${JSON.stringify(join(dir, "args"))}\n${script}\n`);
  chmodSync(join(dir, "vault"), 0o755);
}

it("asks Vault for warnings only, and a copy that logs 30,000 keys is not cut short", () => {
  // ~2.4 MB of "copied key" lines on stderr, as Vault writes them at info, then its success line.
  standIn(`i=0; while [ $i -lt 30000 ]; do echo "2026-11-30T23:00:00.000Z [INFO]  copied key: path=logical/$i"; i=$((i+1)); done >&2; echo "Success! All of the keys have been migrated."`);
  expect(migrateStorage("/etc/migrate.hcl")).toEqual({ ok: true });
  expect(readFileSync(join(dir, "args"), "utf8").trim().split("\n")).toEqual(["operator", "migrate", "-log-level=warn", "-config=/etc/migrate.hcl"]);
});

it("reports the last lines Vault wrote when the copy fails", () => {
  standIn(`echo "Error migrating: error writing entry: permission denied" >&2; exit 2`);
  expect(migrateStorage("/etc/migrate.hcl", 10_000, { resetLock: true })).toEqual({ ok: false, output: "Error migrating: error writing entry: permission denied" });
  expect(readFileSync(join(dir, "args"), "utf8").trim().split("\n")).toEqual(["operator", "migrate", "-log-level=warn", "-reset", "-config=/etc/migrate.hcl"]);
});
