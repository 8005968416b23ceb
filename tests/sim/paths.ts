// Locating the project's own files from source (vitest) and from the bundle (dist/cli.mjs).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "metadata.yaml"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the vault charm project root");
    dir = parent;
  }
  return dir;
}

export function cacheRoot(): string {
  return process.env.VAULT_CHARM_CACHE ?? join(process.env.HOME ?? "/tmp", ".cache", "vault-charm");
}
