// A requirer's etcd_client/v0 request (its application databag and its mtls secret), read and
// checked as untrusted input before anything is created for it.
import { HookToolError } from "../../../../src/juju/errors.js";
import { relationGet } from "../../../../src/juju/tools/relation.js";
import { secretGet } from "../../../../src/juju/tools/secret.js";
import { checkClientCertificates } from "./certificate.js";

export type Request =
  | { kind: "waiting" }
  | { kind: "blocked"; reason: string }
  | { kind: "ready"; prefix: string; user: string; certPems: string[] };

/** The fields this provider delivers, all of them in secrets (secret-user, secret-tls). */
const DELIVERED_IN_SECRETS = ["username", "uris", "tls", "tls-ca"];
/** Juju secret content keys, as the spec asks of both lists. */
const SECRET_FIELD = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** secret://<model>/<id>, secret:<id>, or the bare id (ops and Juju accept all three). */
const SECRET_URI = /^(?:secret:(?:\/\/[0-9a-f-]{36}\/)?)?[0-9a-v]{20}$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9_.-]+$/;
const MAX_PREFIX = 256;

/** Why a prefix cannot be granted, or null. A trailing "/" keeps "/app" from also covering "/app2/...". */
export function prefixProblem(prefix: string): string | null {
  const shown = JSON.stringify(prefix.slice(0, 64));
  if (prefix.length > MAX_PREFIX) return `prefix is longer than ${MAX_PREFIX} characters`;
  if (prefix === "/") return `prefix "/" would cover the whole keyspace`;
  if (!prefix.startsWith("/") || !prefix.endsWith("/") || prefix.length < 3) return `prefix ${shown} must look like /name/ (start and end with "/")`;
  for (const segment of prefix.slice(1, -1).split("/")) {
    if (segment === "") return `prefix ${shown} has an empty path segment`;
    if (segment === "." || segment === "..") return `prefix ${shown} has a "${segment}" segment`;
    if (!PREFIX_SEGMENT.test(segment)) return `prefix ${shown} has characters outside [A-Za-z0-9_.-/]`;
  }
  return null;
}

/** A JSON list of secret field names, or why not. */
function fieldList(raw: string, name: string): string[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return `${name} is not JSON`;
  }
  if (!Array.isArray(parsed) || !parsed.every((f): f is string => typeof f === "string" && SECRET_FIELD.test(f))) {
    return `${name} is not a JSON list of secret field names`;
  }
  return parsed;
}

function readMtlsCertificate(uri: string): { pem: string } | { reason: string } {
  if (!SECRET_URI.test(uri)) return { reason: `secret-mtls ${JSON.stringify(uri.slice(0, 80))} is not a secret URI` };
  let content: Record<string, string>;
  try {
    // --refresh: follow the requirer's new revisions (a renewed certificate) and track the latest.
    content = secretGet({ id: uri, refresh: true });
  } catch (error) {
    if (error instanceof HookToolError) return { reason: `cannot read secret-mtls ${uri} (${error.detail}): is it granted to the relation?` };
    throw error;
  }
  const pem = content["mtls-cert"];
  return pem ? { pem } : { reason: `secret-mtls ${uri} has no mtls-cert field` };
}

/**
 * Waiting until the requirer has sent its certificate; blocked when what it sent cannot be served.
 * A requirer may publish its prefix before it has a certificate, not the other way round (data
 * interfaces sends both, with the two lists, when the relation is created).
 */
export function readRequest(relationId: number, app: string): Request {
  const bag = relationGet(relationId, app, { app: true });
  const blocked = (reason: string): Request => ({ kind: "blocked", reason });
  const prefix = bag.prefix;
  if (prefix !== undefined && prefixProblem(prefix)) return blocked(prefixProblem(prefix)!);
  const uri = bag["secret-mtls"];
  if (uri === undefined) return { kind: "waiting" };
  if (prefix === undefined) return blocked("sent a certificate but no prefix");

  const requested = fieldList(bag["requested-secrets"] ?? "", "requested-secrets");
  if (typeof requested === "string") return blocked(requested);
  const missing = DELIVERED_IN_SECRETS.filter((f) => !requested.includes(f));
  if (missing.length > 0) return blocked(`requested-secrets lacks ${missing.join(", ")}: this provider sends them only in secrets`);
  const provided = fieldList(bag["provided-secrets"] ?? "", "provided-secrets");
  if (typeof provided === "string") return blocked(provided);
  if (!provided.includes("mtls-cert")) return blocked(`provided-secrets does not list mtls-cert`);

  const secret = readMtlsCertificate(uri);
  if ("reason" in secret) return blocked(secret.reason);
  const certificates = checkClientCertificates(secret.pem);
  if (!certificates.ok) return blocked(certificates.reason);
  return { kind: "ready", prefix, user: certificates.commonName, certPems: certificates.pems };
}
