// The charm's own PKI for Vault's API: one CA per application (kept by the leader in a Juju
// secret) and one server certificate per unit, with the unit's addresses in its SANs.
import { nodeCrypto } from "../lazy-builtins.js";
import type Forge from "node-forge";

type ForgeModule = typeof Forge;
/** node-forge is large and only needed when a certificate is issued: load it then. */
const loadForge = async (): Promise<ForgeModule> => (await import("node-forge")).default;

/** The PEM certificate blocks in a text (a bundle, or a leaf followed by its chain). */
export function pemCertificateBlocks(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export interface KeyedCertificate {
  certPem: string;
  keyPem: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const CA_LIFETIME_DAYS = 3650;
const SERVER_LIFETIME_DAYS = 365;
/** Re-issue a server certificate this long before it expires. */
const RENEW_BEFORE_DAYS = 30;

function newKeyPair(forge: ForgeModule): { forgeKeys: Forge.pki.rsa.KeyPair; keyPem: string } {
  // Node's native generator: forge's pure-JS one takes seconds for 2048 bits.
  const { privateKey, publicKey } = nodeCrypto().generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();
  return {
    keyPem,
    forgeKeys: {
      privateKey: forge.pki.privateKeyFromPem(keyPem),
      publicKey: forge.pki.publicKeyFromPem(publicPem) as Forge.pki.rsa.PublicKey,
    },
  };
}

function serialNumber(): string {
  // Positive 128-bit serial: clear the top bit so DER does not read it as negative.
  const bytes = nodeCrypto().randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString("hex");
}

function validity(cert: Forge.pki.Certificate, days: number): void {
  cert.validity.notBefore = new Date(Date.now() - 5 * 60 * 1000); // tolerate small clock skew
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
}

/** A self-signed certificate with its own key: the CA, or a client certificate trusted as itself. */
async function selfSigned(commonName: string, days: number, extensions: object[]): Promise<{ forge: ForgeModule; cert: Forge.pki.Certificate; keyPem: string }> {
  const forge = await loadForge();
  const { forgeKeys, keyPem } = newKeyPair(forge);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgeKeys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, days);
  const subject = [{ name: "commonName", value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions(extensions);
  cert.sign(forgeKeys.privateKey, forge.md.sha256.create());
  return { forge, cert, keyPem };
}

export async function createCharmCa(commonName = "Vault charm CA"): Promise<KeyedCertificate> {
  const { forge, cert, keyPem } = await selfSigned(commonName, CA_LIFETIME_DAYS, [
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

export interface ServerIdentity {
  commonName: string;
  ipAddresses: string[];
  dnsNames: string[];
}

export async function issueServerCertificate(ca: KeyedCertificate, identity: ServerIdentity): Promise<KeyedCertificate> {
  const forge = await loadForge();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const { forgeKeys, keyPem } = newKeyPair(forge);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgeKeys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, SERVER_LIFETIME_DAYS);
  cert.setSubject([{ name: "commonName", value: identity.commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        ...identity.dnsNames.map((value) => ({ type: 2, value })),
        ...identity.ipAddresses.map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/**
 * When a unit's server certificate is due to be replaced (ms since the epoch, RENEW_BEFORE_DAYS
 * before it expires), if it is signed by the CA and covers every address the unit serves on;
 * null when it is not, or is not a certificate.
 */
export function serverCertificateRenewalDue(certPem: string, caPem: string, ipAddresses: string[]): number | null {
  try {
    const cert = new (nodeCrypto().X509Certificate)(certPem);
    const ca = new (nodeCrypto().X509Certificate)(caPem);
    if (!cert.verify(ca.publicKey)) return null;
    const sans = cert.subjectAltName ?? "";
    if (!ipAddresses.every((ip) => sans.includes(`IP Address:${ip}`))) return null;
    return new Date(cert.validTo).getTime() - RENEW_BEFORE_DAYS * DAY_MS;
  } catch {
    return null;
  }
}

export const CLIENT_LIFETIME_DAYS = 90;

/**
 * A self-signed client certificate (CA:false, clientAuth) for mutual TLS with a service that trusts
 * this one certificate rather than an issuer, as an etcd_client provider does with `mtls-cert`:
 * trusting no CA means no other certificate can ever pass as this client.
 */
export async function createClientCertificate(commonName: string, days = CLIENT_LIFETIME_DAYS): Promise<KeyedCertificate> {
  const { forge, cert, keyPem } = await selfSigned(commonName, days, [
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", clientAuth: true },
    { name: "subjectKeyIdentifier" },
  ]);
  // forge writes CRLF line ends; PEM consumers (and content comparisons) expect LF.
  return { certPem: forge.pki.certificateToPem(cert).replace(/\r\n/g, "\n"), keyPem };
}
