// vitest global setup: make sure the real servers exist before any test starts, by running the
// project's own install scripts (cached outside the repo, so this is instant after the first run).
// The first Vault build takes a long while (a Go build of Vault, see scripts/install-vault.sh);
// VAULT_CHARM_SKIP_VAULT=1 runs the suite on OpenBao alone, saying so in each skipped suite's name.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

function install(script: string, envName: string, args: string[] = []): void {
  if (process.env[envName]) return;
  const result = spawnSync("bash", [resolve(import.meta.dirname, "../../scripts", script), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const path = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status === 0 && path) process.env[envName] = path;
  else process.stderr.write(`${script} ${args.join(" ")}: no binary (exit ${result.status}); tests needing ${envName} are skipped\n`);
}

export default function setup(): void {
  install("install-openbao.sh", "BAO_BIN");
  install("install-vault.sh", "VAULT_BIN", process.env.VAULT_CHARM_SKIP_VAULT === "1" ? ["--cached-only"] : []);
}
