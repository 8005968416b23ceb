// A requirer's `mtls-cert` is untrusted input that the provider is about to add to its members'
// list of trusted CAs. Go (and so etcd) does not check CA:TRUE on certificates in that list, only
// on the issuers it verifies signatures with (x509.CheckSignatureFrom): a v3 certificate with
// BasicConstraints CA:FALSE and no keyCertSign can authenticate itself but sign nothing, while a CA
// certificate, or a v1 certificate without extensions, would let its holder mint a certificate for
// any CN, root's included. Hence Charmed etcd's rule, kept here: BasicConstraints present with
// CA:FALSE, and no keyCertSign or cRLSign. The fields are read from the DER directly, since
// node-forge cannot parse certificates with non-RSA keys.
import { X509Certificate } from "node:crypto";

export type CertificateCheck = { ok: true; pems: string[]; commonName: string } | { ok: false; reason: string };

/** etcd user names this charm creates; the CN also travels in etcdctl's argv and in the truststore's notes. */
const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
/** RBAC's superuser: a requirer certificate with this CN would administer the cluster. */
const RESERVED_USERS = new Set(["root"]);
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;
const MAX_CERTIFICATES = 8;

const OID_COMMON_NAME = "550403";
const OID_BASIC_CONSTRAINTS = "551d13";
const OID_KEY_USAGE = "551d0f";

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** One DER tag-length-value at `offset` (single-byte tags: all X.509 needs here). */
function tlvAt(der: Buffer, offset: number): Tlv {
  if (offset + 2 > der.length) throw new Error("truncated DER");
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4) throw new Error("unsupported DER length");
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start++]!;
  }
  if (start + length > der.length) throw new Error("truncated DER");
  return { tag, start, end: start + length };
}

function childrenOf(der: Buffer, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = tlvAt(der, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

const hex = (der: Buffer, t: Tlv) => der.subarray(t.start, t.end).toString("hex");

interface LeafFields {
  commonNames: string[];
  basicConstraints: { ca: boolean } | null;
  mayCertify: boolean;
}

/** Subject CNs, BasicConstraints and the keyCertSign/cRLSign bits of a DER certificate. */
function readFields(der: Buffer): LeafFields {
  const tbs = childrenOf(der, tlvAt(der, 0))[0];
  if (!tbs) throw new Error("no tbsCertificate");
  const items = childrenOf(der, tbs);
  const first = items[0]?.tag === 0xa0 ? 1 : 0; // explicit [0] version
  const subject = items[first + 4];
  if (!subject) throw new Error("no subject");
  const commonNames: string[] = [];
  for (const rdn of childrenOf(der, subject)) {
    for (const attribute of childrenOf(der, rdn)) {
      const [oid, value] = childrenOf(der, attribute);
      if (oid && value && hex(der, oid) === OID_COMMON_NAME) {
        // UTF8String, PrintableString, IA5String; anything else cannot pass USER_NAME anyway.
        commonNames.push(der.subarray(value.start, value.end).toString([0x0c, 0x13, 0x16].includes(value.tag) ? "utf8" : "hex"));
      }
    }
  }
  const fields: LeafFields = { commonNames, basicConstraints: null, mayCertify: false };
  const extensions = items.find((t) => t.tag === 0xa3);
  const list = extensions && childrenOf(der, extensions)[0];
  for (const extension of list ? childrenOf(der, list) : []) {
    const parts = childrenOf(der, extension);
    const oid = hex(der, parts[0]!);
    const inner = tlvAt(der, parts[parts.length - 1]!.start); // extnValue is an OCTET STRING around the DER
    if (oid === OID_BASIC_CONSTRAINTS) {
      const [ca] = childrenOf(der, inner);
      fields.basicConstraints = { ca: ca?.tag === 0x01 && der[ca.start] !== 0 };
    } else if (oid === OID_KEY_USAGE) {
      // BIT STRING: one byte of unused-bit count, then bits 0..7 in the first byte, MSB first.
      const bits = der[inner.start + 1] ?? 0;
      fields.mayCertify = (bits & 0x04) !== 0 || (bits & 0x02) !== 0; // keyCertSign (5), cRLSign (6)
    }
  }
  return fields;
}

type Parsed = { pem: string; fields: LeafFields } | null;

function parse(base64: string): Parsed {
  const der = Buffer.from(base64.replace(/\s/g, ""), "base64");
  try {
    return { pem: new X509Certificate(der).toString().trim(), fields: readFields(der) };
  } catch {
    return null;
  }
}

/** Why a certificate cannot be trusted as a client's own, or null. */
function leafProblem(fields: LeafFields, which: string): string | null {
  if (!fields.basicConstraints) return `${which} has no BasicConstraints extension: a client certificate must say CA:FALSE`;
  if (fields.basicConstraints.ca) return `${which} is a CA certificate: send the client's own leaf certificate`;
  if (fields.mayCertify) return `${which} may sign certificates (keyCertSign or cRLSign): send a leaf certificate`;
  // etcd takes the last CN, Charmed etcd the first: with two they could name different users.
  if (fields.commonNames.length !== 1) return `${which} has ${fields.commonNames.length} CNs: exactly one must name the etcd user`;
  return null;
}

/**
 * The client certificates in `mtls-cert` to trust, and the etcd user they name: the CN of the first
 * (the leaf). Further leaves are trusted too, as a requirer rotating its certificate sends the new
 * one beside the old until all its units have moved; each must name the same user, or the requirer
 * could authenticate as another one. CA certificates after the leaf are its chain: not trusted, as
 * the leaf itself is, and trusting a CA would trust whatever it signs.
 */
export function checkClientCertificates(text: string): CertificateCheck {
  const fail = (reason: string): CertificateCheck => ({ ok: false, reason });
  const blocks = [...text.matchAll(PEM_CERTIFICATE)].map((m) => m[1]!);
  if (blocks.length === 0) return fail("mtls-cert holds no PEM certificate");
  if (blocks.length > MAX_CERTIFICATES) return fail(`mtls-cert holds more than ${MAX_CERTIFICATES} certificates`);
  const certificates = blocks.map(parse);
  const first = certificates[0];
  if (!first) return fail("mtls-cert's first certificate is not a valid X.509 certificate");
  const problem = leafProblem(first.fields, "mtls-cert");
  if (problem) return fail(problem);
  const commonName = first.fields.commonNames[0]!;
  if (!USER_NAME.test(commonName)) return fail(`mtls-cert's CN ${JSON.stringify(commonName.slice(0, 64))} is not a usable etcd user name ([A-Za-z0-9._@-], up to 128)`);
  if (RESERVED_USERS.has(commonName)) return fail(`mtls-cert's CN "${commonName}" is reserved for the cluster's administrator`);
  const pems = [first.pem];
  for (const [index, certificate] of certificates.entries()) {
    if (index === 0) continue;
    const which = `mtls-cert's certificate ${index + 1}`;
    if (!certificate) return fail(`${which} is not a valid X.509 certificate`);
    if (certificate.fields.basicConstraints?.ca) continue;
    const leaf = leafProblem(certificate.fields, which);
    if (leaf) return fail(leaf);
    if (certificate.fields.commonNames[0] !== commonName) return fail(`${which} names another user than the first (${commonName})`);
    if (!pems.includes(certificate.pem)) pems.push(certificate.pem);
  }
  return { ok: true, pems, commonName };
}
