// vitest global setup: make sure the real servers exist before any test starts, by running the
// project's own install scripts (cached outside the repo, so this is instant after the first run).
// The first Vault build takes a long while (a Go build of Vault, see scripts/install-vault.sh);
// VAULT_CHARM_SKIP_VAULT=1 runs the suite on OpenBao alone, saying so in each skipped suite's name.
import { runInstaller } from "../sim/workload-binary.js";

function install(script: "install-vault.sh" | "install-openbao.sh" | "install-etcd.sh", envName: string, args: string[] = []): void {
  if (process.env[envName]) return;
  const path = runInstaller(script, args);
  if (path) process.env[envName] = path;
  else process.stderr.write(`${script} ${args.join(" ")}: no binary; tests needing ${envName} are skipped\n`);
}

export default function setup(): void {
  install("install-openbao.sh", "BAO_BIN");
  install("install-etcd.sh", "ETCD_BIN_DIR");
  install("install-vault.sh", "VAULT_BIN", process.env.VAULT_CHARM_SKIP_VAULT === "1" ? ["--cached-only"] : []);
}
