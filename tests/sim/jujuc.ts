// Builds the hook-tool client (jujuc.c) once per source version into the cache, and links it
// under every tool name in a unit's tools directory.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot, projectRoot } from "./paths.js";

export const HOOK_TOOL_NAMES = [
  "juju-log",
  "status-get",
  "status-set",
  "application-version-set",
  "config-get",
  "is-leader",
  "relation-ids",
  "relation-list",
  "relation-get",
  "relation-set",
  "network-get",
  "unit-get",
  "open-port",
  "close-port",
  "opened-ports",
  "action-get",
  "action-set",
  "action-fail",
  "action-log",
  "secret-add",
  "secret-get",
  "secret-set",
  "secret-remove",
  "secret-grant",
  "secret-revoke",
  "secret-ids",
  "secret-info-get",
  "state-get",
  "state-set",
  "state-delete",
] as const;

export function buildJujuc(): string {
  const source = join(projectRoot(), "tests", "sim", "jujuc.c");
  const digest = createHash("sha256").update(readFileSync(source)).digest("hex").slice(0, 16);
  const dir = join(cacheRoot(), `jujuc-${digest}`);
  const binary = join(dir, "jujuc");
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const temporary = `${binary}.${process.pid}`;
  execFileSync("cc", ["-O2", "-o", temporary, source], { stdio: "inherit" });
  renameSync(temporary, binary);
  return binary;
}

export function installHookTools(toolsDir: string): void {
  const binary = buildJujuc();
  rmSync(toolsDir, { recursive: true, force: true });
  mkdirSync(toolsDir, { recursive: true });
  for (const name of HOOK_TOOL_NAMES) symlinkSync(binary, join(toolsDir, name));
}
