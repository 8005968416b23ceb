// The packed artifact, driven the way a person would: `npm run pack`'s .charm deployed with the
// `vault-charm sim` CLI in separate processes, each opening and saving the model directory.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../sim/paths.js";
import type { ActionRecord, ModelState } from "../sim/types.js";

const root = projectRoot();
const server = process.env.VAULT_BIN || process.env.BAO_BIN;
const model = mkdtempSync(join(tmpdir(), "packed-"));

function sim(...args: string[]): string {
  const result = spawnSync(process.execPath, [join(root, "dist", "cli.mjs"), "sim", "--model", model, "--quiet", ...args], { encoding: "utf8", cwd: root });
  if (result.status !== 0) throw new Error(`sim ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

describe.skipIf(!server)(`the packed .charm through the sim CLI${server ? "" : " (no server binary: skipped)"}`, () => {
  afterAll(() => {
    if (existsSync(model)) sim("destroy");
  });

  it("packs a .charm with dispatch, metadata, the bundle and a Node runtime", () => {
    execFileSync(process.execPath, [join(root, "scripts", "pack.mjs")], { cwd: root, stdio: "ignore" });
    const listing = execFileSync("unzip", ["-Z1", join(root, "build", "vault_amd64.charm")], { encoding: "utf8" }).split("\n");
    for (const entry of ["dispatch", "metadata.yaml", "config.yaml", "actions.yaml", "manifest.yaml", "dist/charm.mjs", "bin/node"]) expect(listing, entry).toContain(entry);
    expect(listing.some((e) => e.startsWith("src/") || e.startsWith("tests/") || e.startsWith("node_modules/"))).toBe(false);
  }, 120_000);

  it("deploys it, waits, and reports vault/0's status as JSON", () => {
    sim("deploy", join(root, "build", "vault_amd64.charm"), "vault", "--vault-binary", server!);
    sim("wait");
    const state = JSON.parse(sim("status", "--format", "json")) as ModelState;
    expect(state.apps.vault!.leader).toBe("vault/0");
    expect(state.units["vault/0"]!.status).toMatchObject({ status: "blocked", message: "Vault is not initialised: run the initialize action" });
    const action = JSON.parse(sim("run", "vault/0", "vault-status")) as ActionRecord;
    expect(action).toMatchObject({ status: "completed", results: { initialized: "false" } });
  }, 180_000);
});
