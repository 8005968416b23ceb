// The charm's identity towards etcd (etcd_client/v0 requirer): one etcd user per vault application,
// named after the CN of a self-signed client certificate, confined by the provider to one prefix.
//
// Two app-owned secrets: `etcd-client-identity` (certificate and private key, read by every vault
// unit, shared with no one) and `etcd-mtls` (the certificate alone, granted to the provider, which
// trusts exactly what it holds). Rotation is two-phase so no unit is ever locked out: the new
// certificate is added to `etcd-mtls` beside the old one; each unit reports in its peer databag which
// certificate it uses; the old one leaves `etcd-mtls` once no unit does.
import { nodeCrypto, sha256Hex } from "../../lazy-builtins.js";
import type { Hook } from "../../hook.js";
import type { JujuContext } from "../../juju/index.js";
import { changedKeys, relationGet, relationSet, secretAdd, secretGet, secretGrant, secretInfoGet, SecretNotFoundError, secretSet } from "../../juju/index.js";
import { ETCD_IDENTITY_LABEL, ETCD_MTLS_LABEL } from "../../secrets/catalog.js";
import { secretDueForReissue } from "../../secrets/events.js";
import { sameSecret } from "../../secrets/ledger.js";
import { revisionMetadata } from "../../secrets/publish.js";
import { RENEW_AT } from "../../secrets/policy.js";
import { createClientCertificate, pemCertificateBlocks } from "../../vault/tls.js";

export { ETCD_IDENTITY_LABEL, ETCD_MTLS_LABEL };
export const ETCD_ENDPOINT = "etcd";
/** Peer unit-databag key: the fingerprint of the certificate this unit's Vault presents to etcd. */
export const CERTIFICATE_IN_USE_KEY = "etcd-client-certificate";

export interface ClientIdentity {
  certPem: string;
  keyPem: string;
  fingerprint: string;
}

export interface EtcdNames {
  user: string;
  prefix: string;
}

/** Unique per application and model, so two vault applications never share an etcd user or prefix. */
export function etcdNames(juju: Pick<JujuContext, "appName" | "modelUuid">): EtcdNames {
  const id = `${juju.appName}-${juju.modelUuid.replace(/-/g, "").slice(0, 8)}`;
  return { user: `vault-${id}`, prefix: `/vault/${id}/` };
}

export function certificateFingerprint(pem: string): string {
  return sha256Hex(new (nodeCrypto().X509Certificate)(pem).raw).slice(0, 32);
}

function readOwned(label: string): Record<string, string> | null {
  try {
    // Owners track revisions too: refresh, so a rotation reaches every unit on its next hook.
    return secretGet({ label, refresh: true });
  } catch (error) {
    if (error instanceof SecretNotFoundError) return null;
    throw error;
  }
}

/** This unit's copy of the identity; null until the leader has created it. */
export function readIdentity(): ClientIdentity | null {
  const content = readOwned(ETCD_IDENTITY_LABEL);
  if (!content?.certificate || !content["private-key"]) return null;
  return { certPem: content.certificate, keyPem: content["private-key"], fingerprint: certificateFingerprint(content.certificate) };
}

function validityOf(certPem: string): { from: Date; until: Date } {
  const cert = new (nodeCrypto().X509Certificate)(certPem);
  return { from: new Date(cert.validFrom), until: new Date(cert.validTo) };
}

async function newIdentity(hook: Hook, user: string, existing: ClientIdentity | null): Promise<ClientIdentity> {
  const cert = await createClientCertificate(user);
  const content = { certificate: cert.certPem, "private-key": cert.keyPem };
  // The revision expires (secret-expired) well before the certificate does: that is the rotation.
  const metadata = revisionMetadata(hook, "etcd-identity", validityOf(cert.certPem));
  if (existing) {
    secretSet(secretInfoGet({ label: ETCD_IDENTITY_LABEL }).id, content, metadata);
    hook.log.info(`etcd: rotated the client certificate of ${user}; the old one stays trusted until every unit has moved`);
  } else {
    secretAdd(content, { label: ETCD_IDENTITY_LABEL, description: "vault charm: etcd client certificate and key", ...metadata });
    hook.log.info(`etcd: created the client certificate for etcd user ${user}`);
  }
  return { ...cert, fingerprint: certificateFingerprint(cert.certPem) };
}

/** secret-expired for the identity's newest revision, or (missed expiry) most of its validity gone. */
function rotationDue(hook: Hook, identity: ClientIdentity): boolean {
  if (secretDueForReissue(hook) !== null && hook.juju.secretLabel === ETCD_IDENTITY_LABEL) return true;
  const { from, until } = validityOf(identity.certPem);
  return Date.now() > until.getTime() - (until.getTime() - from.getTime()) * (1 - RENEW_AT) * 0.5;
}

/** Leader: the identity, created on first use and rotated when due. */
export async function ensureIdentity(hook: Hook, user: string): Promise<ClientIdentity> {
  const existing = readIdentity();
  if (existing && !rotationDue(hook, existing)) return existing;
  return newIdentity(hook, user, existing);
}

/**
 * Leader: `etcd-mtls` holds the current certificate, plus any earlier one that some unit still
 * presents (`inUse`: fingerprints from the peer databags), so the provider keeps trusting both.
 */
export function publishCertificate(identity: ClientIdentity, inUse: Set<string>): string {
  const current = readOwned(ETCD_MTLS_LABEL);
  const still = pemCertificateBlocks(current?.["mtls-cert"] ?? "").filter((pem) => {
    const fingerprint = certificateFingerprint(pem);
    return fingerprint !== identity.fingerprint && inUse.has(fingerprint) && validityOf(pem).until.getTime() > Date.now();
  });
  const wanted = [identity.certPem.trim(), ...still].join("\n") + "\n";
  if (!current) return secretAdd({ "mtls-cert": wanted }, { label: ETCD_MTLS_LABEL, description: "vault charm: etcd client certificate, for the etcd provider" });
  const id = secretInfoGet({ label: ETCD_MTLS_LABEL }).id;
  if (current["mtls-cert"] !== wanted) secretSet(id, { "mtls-cert": wanted });
  return id;
}

/** Leader: the request in our app databag, and the certificate secret granted to this relation. */
export function publishRequest(relationId: number, names: EtcdNames, mtlsSecretUri: string, appName: string): void {
  const desired: Record<string, string> = {
    prefix: names.prefix,
    "secret-mtls": mtlsSecretUri,
    "requested-secrets": JSON.stringify(["username", "uris", "tls", "tls-ca"]),
    "provided-secrets": JSON.stringify(["mtls-cert"]),
  };
  const own = relationGet(relationId, appName, { app: true });
  // secret-add answers a secret://<model>/<id> URI, secret-info-get the bare id: keep the published form.
  const published = own["secret-mtls"];
  if (published && sameSecret(published, mtlsSecretUri)) desired["secret-mtls"] = published;
  // A grant is scoped to its relation: a new relation (or a new secret) needs a new one.
  else secretGrant(mtlsSecretUri, relationId);
  relationSet(relationId, changedKeys(own, desired), { app: true });
}
