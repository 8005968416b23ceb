// What an etcd_client/v0 provider publishes (juju-runtime.md §5.1): `endpoints` and `version` in its
// app databag, `username`/`uris` in the secret named by `secret-user`, `tls`/`tls-ca` in the one named
// by `secret-tls`. All of it is untrusted: it is checked here before any of it reaches Vault's config.
import type { X509Certificate } from "node:crypto";
import { nodeCrypto } from "../../lazy-builtins.js";
import { pemCertificateBlocks } from "../../vault/tls.js";

export interface EtcdProviderInfo {
  /** Client URLs for Vault's `address`: https only (the spec: etcd serves clients over TLS only). */
  uris: string[];
  /** The CA that signed etcd's server certificates, PEM. */
  caPem: string;
  /** The etcd user the provider created for us: the CN of our certificate. */
  username: string;
  version: string;
}

export type ProviderAnswer = { kind: "ready"; info: EtcdProviderInfo } | { kind: "incomplete"; missing: string[] } | { kind: "invalid"; reason: string };

const MAX_URIS = 16;
const MAX_PEM = 64 * 1024;
const VERSION = /^v?\d{1,3}\.\d{1,3}(?:\.\d{1,4})?(?:[-+][A-Za-z0-9.-]{1,40})?$/;
/** An https URL with a host and port and nothing else: no credentials, path, query or fragment. */
const URI = /^https:\/\/(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):\d{1,5}\/?$/;

function certificates(pem: string): X509Certificate[] | null {
  const blocks = pemCertificateBlocks(pem);
  if (blocks.length === 0) return null;
  try {
    return blocks.map((block) => new (nodeCrypto().X509Certificate)(block));
  } catch {
    return null;
  }
}

function parseUris(raw: string): string[] | string {
  const uris = raw.split(",").map((u) => u.trim()).filter(Boolean);
  if (uris.length === 0) return "uris is empty";
  if (uris.length > MAX_URIS) return `uris lists more than ${MAX_URIS} members`;
  for (const uri of uris) {
    if (!URI.test(uri)) return `uri ${JSON.stringify(uri.slice(0, 80))} is not https://<host>:<port>`;
    const port = Number(/:(\d+)\/?$/.exec(uri)![1]);
    if (port < 1 || port > 65535) return `uri ${JSON.stringify(uri.slice(0, 80))} has no valid port`;
  }
  return uris.map((u) => u.replace(/\/$/, ""));
}

/**
 * `bag` is the provider's app databag; `user` and `tls` the contents of its secrets (empty when not
 * readable yet). `expectedUser` is the CN of our certificate: a different user means the provider has
 * not caught up with our certificate (or serves someone else's), and Vault must not use it.
 */
export function parseProviderAnswer(bag: Record<string, string>, user: Record<string, string>, tls: Record<string, string>, expectedUser: string): ProviderAnswer {
  const missing = [
    ...(["secret-user", "secret-tls"] as const).filter((key) => !bag[key]),
    ...(bag["secret-user"] ? (["username", "uris"] as const).filter((key) => !user[key]) : []),
    ...(bag["secret-tls"] ? (["tls-ca"] as const).filter((key) => !tls[key]) : []),
  ];
  if (missing.length > 0) return { kind: "incomplete", missing };
  const username = user.username!.trim();
  if (username !== expectedUser) return { kind: "incomplete", missing: [`user ${expectedUser} (the provider names ${JSON.stringify(username.slice(0, 80))})`] };
  if ((tls.tls ?? "true").toLowerCase() !== "true") return { kind: "invalid", reason: "the etcd provider says TLS is off; Vault only talks to etcd over mutual TLS" };
  const uris = parseUris(user.uris!);
  if (typeof uris === "string") return { kind: "invalid", reason: `the etcd provider's ${uris}` };
  const caPem = tls["tls-ca"]!;
  if (caPem.length > MAX_PEM) return { kind: "invalid", reason: "the etcd provider's tls-ca is too large" };
  const cas = certificates(caPem);
  if (!cas) return { kind: "invalid", reason: "the etcd provider's tls-ca is not a PEM certificate" };
  const version = (bag.version ?? "").trim();
  return { kind: "ready", info: { uris, caPem: `${caPem.trim()}\n`, username, version: VERSION.test(version) ? version : "unknown" } };
}
