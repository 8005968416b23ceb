// `npm run pack`: builds build/vault_<arch>.charm for every platform in charmcraft.yaml (or those
// named: `node scripts/pack.mjs arm64`), the zip charmcraft's parts would prime: dispatch, the
// metadata files, the hook bundle (dist/charm-files.json lists it) and that platform's
// pinned Node runtime as bin/node. Nothing else: no CLI, no simulator. Expects `npm run build` first.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { deflateRawSync, crc32 } from "node:zlib";
import { parse } from "yaml";
import { assertLinuxElf, runtimeFor } from "./node-runtime.mjs";

const root = resolve(import.meta.dirname, "..");
const MB = 1_000_000;
/** Charmhub and Juju take larger charms, but a unit downloads this on every deploy and upgrade. */
const MAX_CHARM_BYTES = 40 * MB;

const charmcraft = parse(readFileSync(join(root, "charmcraft.yaml"), "utf8"));
const [baseName, baseChannel] = charmcraft.base.split("@");
const platforms = Object.keys(charmcraft.platforms ?? {});
const wanted = process.argv.slice(2);
for (const arch of wanted) if (!platforms.includes(arch)) throw new Error(`${arch} is not a platform in charmcraft.yaml (${platforms.join(", ")})`);

if (!existsSync(join(root, "dist", "charm-files.json"))) throw new Error("dist/charm-files.json is missing: run npm run build first");
const bundle = JSON.parse(readFileSync(join(root, "dist", "charm-files.json"), "utf8")).map((file) => `dist/${file}`);

// Fixed timestamps and order: the same inputs give the same bytes.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01

/** A zip Juju and charmcraft read: deflate only, Unix modes kept (Juju keeps the execute bits). */
function writeZip(path, entries) {
  const fd = openSync(path, "w");
  let offset = 0;
  const central = [];
  const put = (buffer) => {
    writeSync(fd, buffer);
    offset += buffer.length;
  };
  try {
    for (const entry of entries) {
      const name = Buffer.from(entry.name, "utf8");
      const directory = entry.name.endsWith("/");
      const method = directory ? 0 : 8;
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4);
      local.writeUInt16LE(0x0800, 6); // UTF-8 names
      local.writeUInt16LE(method, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(entry.crc, 14);
      local.writeUInt32LE(entry.data.length, 18);
      local.writeUInt32LE(entry.size, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);
      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE((3 << 8) | 20, 4); // made by Unix: the high external attribute bytes are the mode
      header.writeUInt16LE(20, 6);
      header.writeUInt16LE(0x0800, 8);
      header.writeUInt16LE(method, 10);
      header.writeUInt16LE(DOS_TIME, 12);
      header.writeUInt16LE(DOS_DATE, 14);
      header.writeUInt32LE(entry.crc, 16);
      header.writeUInt32LE(entry.data.length, 20);
      header.writeUInt32LE(entry.size, 24);
      header.writeUInt16LE(name.length, 28);
      header.writeUInt32LE((((directory ? 0o040000 : 0o100000) | entry.mode) << 16 | (directory ? 0x10 : 0)) >>> 0, 38);
      header.writeUInt32LE(offset, 42);
      central.push(header, name);
      put(local);
      put(name);
      put(entry.data);
    }
    const start = offset;
    for (const part of central) put(part);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(offset - start, 12);
    end.writeUInt32LE(start, 16);
    put(end);
  } finally {
    closeSync(fd);
  }
  return offset;
}

function fileEntry(name, content, mode) {
  return { name, mode, size: content.length, crc: crc32(content), data: deflateRawSync(content, { level: 9 }) };
}

function directoryEntries(names) {
  const dirs = new Set();
  for (const name of names) for (let i = name.indexOf("/"); i > 0; i = name.indexOf("/", i + 1)) dirs.add(name.slice(0, i + 1));
  return [...dirs].map((name) => ({ name, mode: 0o755, size: 0, crc: 0, data: Buffer.alloc(0) }));
}

/** charmcraft's manifest.yaml: Juju reads `bases` from it (a v2 charm needs it), and ignores the rest. */
function manifest(arch) {
  return [`bases:`, `- name: ${baseName}`, `  channel: '${baseChannel}'`, `  architectures:`, `  - ${arch}`, ""].join("\n");
}

function pack(arch) {
  const runtime = runtimeFor(root, arch);
  assertLinuxElf(runtime.node, arch);
  const files = [
    fileEntry("dispatch", readFileSync(join(root, "dispatch")), 0o755),
    ...["metadata.yaml", "config.yaml", "actions.yaml"].map((file) => fileEntry(file, readFileSync(join(root, file)), 0o644)),
    fileEntry("manifest.yaml", Buffer.from(manifest(arch)), 0o644),
    ...bundle.map((file) => fileEntry(file, readFileSync(join(root, file)), file === "dist/charm.mjs" ? 0o755 : 0o644)),
    { name: "bin/node", mode: 0o755, size: runtime.size, crc: runtime.crc32, data: readFileSync(runtime.deflate) },
  ];
  const entries = [...directoryEntries(files.map((f) => f.name)), ...files].sort((a, b) => a.name.localeCompare(b.name));
  const output = join(root, "build", `vault_${arch}.charm`);
  const zipped = writeZip(output, entries);
  const unpacked = files.reduce((sum, f) => sum + f.size, 0);
  const runtimeNote = `Node v${runtime.version} ${runtime.stripped ? "stripped" : "NOT stripped"} ${(runtime.size / MB).toFixed(1)} MB (${(runtime.originalSize / MB).toFixed(1)} MB as published), ${runtime.compressor}`;
  console.log(`${output}: ${(zipped / MB).toFixed(2)} MB zipped, ${(unpacked / MB).toFixed(2)} MB unpacked, ${files.length} files; bin/node: ${runtimeNote}`);
  if (zipped > MAX_CHARM_BYTES) console.warn(`WARNING: ${output} is over the ${MAX_CHARM_BYTES / MB} MB budget`);
  return { arch, output, zipped, unpacked, files: files.length, runtime };
}

mkdirSync(join(root, "build"), { recursive: true });
for (const arch of wanted.length ? wanted : platforms) pack(arch);
