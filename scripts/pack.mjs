// `npm run pack`: builds build/vault_<arch>.charm, the zip charmcraft would produce from the
// prime step: dispatch, metadata files, the bundle and a Node runtime. Expects `npm run build` first.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { arch } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const prime = join(root, "build", "prime");
const charmArch = { x64: "amd64", arm64: "arm64" }[arch()] ?? arch();
const output = join(root, "build", `vault_${charmArch}.charm`);

rmSync(prime, { recursive: true, force: true });
mkdirSync(join(prime, "bin"), { recursive: true });
for (const file of ["dispatch", "metadata.yaml", "config.yaml", "actions.yaml"]) copyFileSync(join(root, file), join(prime, file));
chmodSync(join(prime, "dispatch"), 0o755);
cpSync(join(root, "dist"), join(prime, "dist"), { recursive: true });
// The Node runtime that runs the bundle on the unit (charmcraft's `node` part does the same).
copyFileSync(process.execPath, join(prime, "bin", "node"));
chmodSync(join(prime, "bin", "node"), 0o755);
writeFileSync(
  join(prime, "manifest.yaml"),
  [
    "analysis:",
    "  attributes:",
    "  - name: language",
    "    result: javascript",
    "  - name: framework",
    "    result: vault-charm",
    "bases:",
    "- name: ubuntu",
    "  channel: '24.04'",
    `  architectures: [${charmArch}]`,
    `node-version: ${process.version}`,
    "",
  ].join("\n"),
);

rmSync(output, { force: true });
// zip keeps the executable bits that Juju needs on dispatch, bin/node and the bundle.
execFileSync("zip", ["-q", "-r", "-X", output, "."], { cwd: prime, stdio: "inherit" });
console.log(output);
