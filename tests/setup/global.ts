// vitest global setup: make sure the real servers exist before any test starts, by running the
// project's own install scripts (cached outside the repo, so this is instant after the first run).
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

function install(script: string, envName: string): void {
  if (process.env[envName]) return;
  const result = spawnSync("bash", [resolve(import.meta.dirname, "../../scripts", script)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const path = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status === 0 && path) process.env[envName] = path;
  else process.stderr.write(`${script} failed (exit ${result.status}); tests needing ${envName} will be skipped\n`);
}

export default function setup(): void {
  install("install-openbao.sh", "BAO_BIN");
  install("install-vault.sh", "VAULT_BIN");
}
