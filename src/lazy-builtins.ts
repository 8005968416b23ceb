// Node built-ins that a converged hook does not use, loaded by their first use rather than when the
// bundle starts: node:crypto (about 4.5 ms of a hook's start on the pinned runtime), node:https,
// which brings node:tls (about 12 ms), and node:http (the charm reaches its own Vault over a Unix
// socket without them: src/vault/socket-http.ts).
import { createRequire } from "node:module";

const load = createRequire(import.meta.url);

function lazy<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load(name) as T);
}

export const nodeCrypto = lazy<typeof import("node:crypto")>("node:crypto");
export const nodeHttps = lazy<typeof import("node:https")>("node:https");
export const nodeHttp = lazy<typeof import("node:http")>("node:http");

/** SHA-256 of a text, in hex. */
export const sha256Hex = (text: string | Buffer): string => nodeCrypto().createHash("sha256").update(text).digest("hex");
