#!/usr/bin/env node
// Captures real answers of each server for the fields the charm compares with what it wants
// (tests/fixtures/vault-responses/<server>-<version>/*.json; tests/unit/normalise.test.ts reads
// them). Usage: VAULT_BIN=... BAO_BIN=... node scripts/capture-vault-responses.mjs
// The capture itself is TypeScript (tests/fixtures/vault-responses/capture.ts) so it writes with
// the charm's own functions; esbuild bundles it for this one run.
import { build } from "esbuild";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = mkdtempSync(join(tmpdir(), "capture-"));
const outfile = join(dir, "capture.mjs");
const requireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
await build({ entryPoints: ["tests/fixtures/vault-responses/capture.ts"], bundle: true, platform: "node", target: "node20", format: "esm", outfile, banner: { js: requireShim }, logLevel: "warning" });
try {
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
