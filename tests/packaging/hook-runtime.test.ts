// Every hook the suite runs runs on the Node runtime the .charm ships (package.json's pinned
// node-linux-<arch>), not on the machine's node: a probe charm with the project's real `dispatch`
// reports, from inside its hooks, the process.version it runs on, in a source tree (the simulator
// puts the pinned node first on the hook's PATH) and in a packed layout (dispatch prefers bin/node).
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Sim } from "../sim/controller.js";
import { projectRoot } from "../sim/paths.js";

const root = projectRoot();
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { optionalDependencies: Record<string, string> };
const pinned = manifest.optionalDependencies[`node-linux-${process.arch}`]!;
const pinnedNode = join(root, "node_modules", `node-linux-${process.arch}`, "bin", "node");
let sim: Sim;

/** A charm whose every hook sets its status to the Node version and how dispatch found node. */
function probeCharm(packedLayout: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "node-probe-"));
  copyFileSync(join(root, "dispatch"), join(dir, "dispatch"));
  chmodSync(join(dir, "dispatch"), 0o755);
  writeFileSync(join(dir, "metadata.yaml"), "name: node-probe\nsummary: reports the Node runtime its hooks run on\ndescription: test charm\n");
  mkdirSync(join(dir, "dist"));
  writeFileSync(
    join(dir, "dist", "charm.mjs"),
    [
      'import { execFileSync } from "node:child_process";',
      'const via = process.env.PROBE_NODE_VIA ?? "PATH";',
      'execFileSync("status-set", ["active", `${process.version} via ${via} in ${process.env.JUJU_DISPATCH_PATH}`]);',
      "",
    ].join("\n"),
  );
  if (packedLayout) {
    // bin/node as a packed charm has it, marked so the hook can tell it was the one dispatch ran.
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", "node"), `#!/bin/sh\nPROBE_NODE_VIA=bin/node exec '${pinnedNode}' "$@"\n`);
    chmodSync(join(dir, "bin", "node"), 0o755);
  }
  return dir;
}

const inheritedPath = process.env.PATH;

beforeEach(async () => {
  // npm and npx put node_modules/.bin (whose `node` is the pinned one) first on PATH; take it off
  // so only what the simulator itself arranges decides which node a hook gets, as with `vault-charm sim`.
  process.env.PATH = (inheritedPath ?? "").split(":").filter((dir) => !dir.endsWith("node_modules/.bin")).join(":");
  sim = await Sim.open(mkdtempSync(join(tmpdir(), "sim-node-")));
});

afterEach(async () => {
  process.env.PATH = inheritedPath;
  await sim.destroy();
});

describe("the Node runtime hooks run on", () => {
  it(`is the pinned Node ${pinned} LTS, found on PATH, for a charm deployed from source`, async () => {
    expect(pinned).toMatch(/^24\.\d+\.\d+$/); // Node 24: the LTS line the charm ships
    await sim.deploy(probeCharm(false), { app: "probe" });
    expect(sim.unit("probe/0").status).toMatchObject({ status: "active", message: `v${pinned} via PATH in hooks/start` });
  });

  it("is the charm's own bin/node when the charm carries one", async () => {
    await sim.deploy(probeCharm(true), { app: "probe" });
    expect(sim.unit("probe/0").status).toMatchObject({ status: "active", message: `v${pinned} via bin/node in hooks/start` });
  });
});
