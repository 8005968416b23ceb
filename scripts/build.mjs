// Bundles the charm entrypoint (dist/charm.mjs) and the CLI (dist/cli.mjs) with esbuild.
// Each is one ESM file plus lazily loaded chunks; the charm bundle never contains the simulator.
import { build } from "esbuild";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";

// Bundled CommonJS dependencies (pino) call require() for Node built-ins.
const requireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  splitting: true,
  outExtension: { ".js": ".mjs" },
  chunkNames: "chunks/[name]-[hash]",
  banner: { js: requireShim },
  sourcemap: false,
  logLevel: "warning",
  legalComments: "none",
};

rmSync("dist", { recursive: true, force: true });
await build({ ...common, entryPoints: { charm: "src/main.ts" }, outdir: "dist" });
await build({ ...common, entryPoints: { cli: "src/cli.ts" }, outdir: "dist" });

for (const entry of ["dist/charm.mjs", "dist/cli.mjs"]) {
  writeFileSync(entry, `#!/usr/bin/env node\n${readFileSync(entry, "utf8")}`);
  chmodSync(entry, 0o755);
}
