// Bundles the charm entrypoint (dist/charm.mjs) and the CLI (dist/cli.mjs) with esbuild.
// Each is one ESM file plus lazily loaded chunks; the charm bundle never contains the simulator.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { chmodSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { pinnedRuntime } from "./node-runtime.mjs";

// Hooks run on the Node runtime the charm carries (scripts/node-runtime.mjs), so the bundles target it.
const runtime = pinnedRuntime(import.meta.dirname + "/..", "amd64");

// Bundled CommonJS dependencies (pino) call require() for Node built-ins, and so does our code (below).
const requireShim = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

// Node's ESM loader gives a built-in module (`import ... from "node:http"`) an ESM facade, and filling
// it reads every export, lazy getters included: node:http's load undici (fetch, WebSocket), node:fs's
// its streams, ~20 ms of a hook's start-up on the pinned Node 24 for modules the charm never uses. The
// bundles therefore get built-ins through require() (the banner's createRequire), which returns the
// module object as it is and leaves the getters alone.
const builtinsByRequire = { name: "builtins-by-require", setup(b) {
  b.onResolve({ filter: /^node:/ }, (args) =>
    args.kind === "import-statement" || args.kind === "dynamic-import" ? { path: args.path, namespace: "builtin-by-require" } : undefined);
  b.onLoad({ filter: /.*/, namespace: "builtin-by-require" }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: "js" }));
} };

const common = {
  plugins: [builtinsByRequire],
  bundle: true,
  platform: "node",
  target: `node${runtime.version}`,
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
// The hook entry (src/main.ts) is one self-contained file: an event the charm ignores loads it and
// nothing else (each further module file costs a resolve, a read and a compile). A handled event
// runs dist/run-hook.cjs, everything else in one file too: split into chunks, a converged
// update-status resolved, read and linked 36 module files, ~10 ms more than the one file it is now
// (esbuild keeps a dynamic import() lazy inside one file: the module is evaluated on first use).
// It is CommonJS because src/hook-bundle.ts compiles it as a script, with a V8 code cache written
// after a hook ran; the ES module loader offers no such cache.
// Two dependencies stay in files of their own, loaded by their first use, because most hooks never
// use them and compiling them with every hook would cost more than the extra file: node-forge
// (600 KB, issuing a certificate) and pino (140 KB with its streams, the first line a hook logs).
const apart = { "node-forge": "chunks/node-forge.cjs", pino: "chunks/pino.cjs" };
const keptApart = { name: "kept-apart", setup(b) {
  b.onResolve({ filter: /^(node-forge|pino)$/ }, (args) => ({ path: `./${apart[args.path]}`, external: true }));
} };
const commonJs = { ...common, splitting: false, format: "cjs", banner: {}, outExtension: { ".js": ".cjs" }, metafile: true };
// import() becomes require() (the script has no module loader of its own), and import.meta.url the
// file's path, which createRequire takes as well.
const hooks = await build({ ...commonJs, plugins: [...common.plugins, keptApart], define: { "import.meta.url": "__filename" }, supported: { "dynamic-import": false }, entryPoints: { "run-hook": "src/run-hook.ts" }, outdir: "dist" });
// The entry names the code cache by a digest of the code V8 compiles (src/hook-bundle.ts): the hook
// bundle and the loader that wraps it. V8 checks only the source's length, so a wrapper changed to one
// of the same length must not meet an older build's cache (tests/integration/compile-cache.test.ts).
const runHookDigest = createHash("sha256").update(readFileSync("dist/run-hook.cjs")).update("\0").update(readFileSync("src/hook-bundle.ts")).digest("hex");
const entry = await build({ ...common, splitting: false, define: { RUN_HOOK_DIGEST: JSON.stringify(runHookDigest) }, entryPoints: { charm: "src/main.ts" }, outdir: "dist", metafile: true });
const forge = await build({ ...commonJs, entryPoints: { "chunks/node-forge": "node-forge" }, outdir: "dist" });
const pino = await build({ ...commonJs, entryPoints: { "chunks/pino": "pino" }, outdir: "dist" });
// What hooks can reach (the entries and the files kept apart): all `npm run pack` ships of dist/, so
// the CLI and the simulator's chunks stay out of the .charm.
const charmFiles = [entry, hooks, forge, pino].flatMap((b) => Object.keys(b.metafile.outputs)).map((file) => relative("dist", file)).sort();
writeFileSync("dist/charm-files.json", `${JSON.stringify(charmFiles, null, 1)}\n`);
await build({ ...common, entryPoints: { cli: "src/cli.ts" }, outdir: "dist" });

// The example consumer charm (examples/kv-consumer) is built beside its own metadata.
rmSync("examples/kv-consumer/dist", { recursive: true, force: true });
await build({ ...common, entryPoints: { consumer: "examples/kv-consumer/src/consumer.ts" }, outdir: "examples/kv-consumer/dist" });

// The etcd_client provider fixture charm (tests/etcd/provider-charm) that integration tests deploy
// next to a real etcd cluster.
rmSync("tests/etcd/provider-charm/dist", { recursive: true, force: true });
await build({ ...common, entryPoints: { provider: "tests/etcd/provider-charm/src/charm.ts" }, outdir: "tests/etcd/provider-charm/dist" });

for (const entry of ["dist/charm.mjs", "dist/cli.mjs", "examples/kv-consumer/dist/consumer.mjs", "tests/etcd/provider-charm/dist/provider.mjs"]) {
  writeFileSync(entry, `#!/usr/bin/env node\n${readFileSync(entry, "utf8")}`);
  chmodSync(entry, 0o755);
}
