// Where the simulator finds the Node runtime that hooks run on: the same pinned official build the
// .charm ships (package.json's node-linux-<arch>, installed by `npm ci`), never the machine's node,
// so what the tests run is what ships. scripts/node-runtime.mjs packs it for each platform.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const found = new Map<string, string>();

/** The directory holding the pinned `node`, to go first on a hook's PATH. */
export function pinnedNodeDir(root: string): string {
  const cached = found.get(root);
  if (cached) return cached;
  const name = `node-linux-${process.arch}`;
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { optionalDependencies?: Record<string, string> };
  const version = manifest.optionalDependencies?.[name];
  if (process.platform !== "linux" || !version) {
    throw new Error(`the charm ships Node for Linux amd64 and arm64 only; hooks cannot run on its runtime on ${process.platform}-${process.arch}`);
  }
  const dir = join(root, "node_modules", name);
  const installed = existsSync(join(dir, "package.json")) ? (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version : "none";
  if (installed !== version) throw new Error(`hooks run on the charm's pinned ${name}@${version}, but node_modules has ${installed}: run npm ci`);
  found.set(root, join(dir, "bin"));
  return join(dir, "bin");
}
