// The members' client truststore (--trusted-ca-file): PEM certificates, each optionally preceded by
// `# ` comment lines that say why it is trusted. etcd (Go's pem.Decode) skips text outside the
// BEGIN/END lines, so the notes cost nothing at the TLS layer; the provider charm uses them as its
// record of which relation and etcd user each requirer certificate belongs to, kept on the "machine"
// next to the trust itself so that a failed hook can be rerun from what is really there.
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";

export interface TrustEntry {
  /** The comment lines before the certificate, without "# "; "" when there are none. */
  note: string;
  /** One PEM certificate, trimmed. */
  pem: string;
}

const BEGIN = "-----BEGIN CERTIFICATE-----";
const END = "-----END CERTIFICATE-----";

export function parseTruststore(text: string): TrustEntry[] {
  const entries: TrustEntry[] = [];
  let note: string[] = [];
  let block: string[] | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (block) {
      block.push(line);
      if (line === END) {
        entries.push({ note: note.join("\n"), pem: block.join("\n") });
        block = null;
        note = [];
      }
    } else if (line === BEGIN) {
      block = [line];
    } else if (line.startsWith("#")) {
      note.push(line.replace(/^#\s?/, ""));
    }
  }
  return entries;
}

export function renderTruststore(entries: readonly TrustEntry[]): string {
  return entries
    .map(({ note, pem }) => `${note ? note.split("\n").map((l) => `# ${l}\n`).join("") : ""}${pem.replace(/\r\n/g, "\n").trim()}\n`)
    .join("");
}

export function readTruststore(path: string): TrustEntry[] {
  return parseTruststore(readFileSync(path, "utf8"));
}

/** Rename over the old file, so a member starting meanwhile reads either version, never half of one. */
export function writeTruststore(path: string, entries: readonly TrustEntry[]): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, renderTruststore(entries), { mode: 0o644 });
  renameSync(tmp, path);
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Same certificate whatever the line endings or trailing blanks. */
export function samePem(a: string, b: string): boolean {
  const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, "");
  return body(a) === body(b);
}
