// Which real server the simulated units run: VAULT_BIN / BAO_BIN when set, else what the project's
// install scripts have cached (or install now; OpenBao takes seconds, Vault a long Go build).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "./paths.js";

export interface WorkloadBinary {
  path: string;
  implementation: "vault" | "openbao";
}

/** Runs one of the project's install scripts; the binary's path (its last line of output) or null. */
export function runInstaller(script: "install-vault.sh" | "install-openbao.sh" | "install-etcd.sh", args: string[] = [], progress: "inherit" | "ignore" = "inherit"): string | null {
  const result = spawnSync("bash", [join(projectRoot(), "scripts", script), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", progress] });
  const path = result.stdout.trim().split("\n").pop() ?? "";
  return result.status === 0 && path && existsSync(path) ? path : null;
}

/** `prefer` picks the implementation; without it, Vault when available, else OpenBao. */
export function findWorkloadBinary(prefer?: "vault" | "openbao"): WorkloadBinary {
  const vault = process.env.VAULT_BIN;
  const bao = process.env.BAO_BIN;
  if (prefer !== "openbao" && vault && existsSync(vault)) return { path: vault, implementation: "vault" };
  if (prefer !== "vault" && bao && existsSync(bao)) return { path: bao, implementation: "openbao" };
  if (prefer === "vault") {
    const path = runInstaller("install-vault.sh");
    if (path) return { path, implementation: "vault" };
    throw new Error("HashiCorp Vault is not available: scripts/install-vault.sh failed");
  }
  // OpenBao installs in seconds; the Vault build is only used when it is already cached.
  const cachedVault = runInstaller("install-vault.sh", ["--cached-only"], "ignore");
  if (cachedVault) return { path: cachedVault, implementation: "vault" };
  const path = runInstaller("install-openbao.sh");
  if (path) return { path, implementation: "openbao" };
  throw new Error("no Vault server available: scripts/install-openbao.sh failed");
}
