// The etcd_client provider fixture's pure rules (tests/etcd/provider-charm): which client
// certificates it will trust, which prefixes it grants, and how it settles requests against each
// other and against what the truststore and etcd already hold.
import { generateKeyPairSync } from "node:crypto";
import forge from "node-forge";
import { describe, expect, it } from "vitest";
import { checkClientCertificates } from "../etcd/provider-charm/src/certificate.js";
import { planClients, readClients, withClients, type Client, type RelationRequest } from "../etcd/provider-charm/src/plan.js";
import { prefixProblem } from "../etcd/provider-charm/src/request.js";
import { parseTruststore, renderTruststore, type TrustEntry } from "../etcd/truststore.js";

// openssl req -x509 -newkey ec (P-256) -subj /CN=ec-client, BasicConstraints critical CA:FALSE,
// keyUsage digitalSignature: node-forge cannot parse it (non-RSA key); the DER reader must.
const EC_LEAF = `-----BEGIN CERTIFICATE-----
MIIBoDCCAUWgAwIBAgIUCzcJYkM7bW6bxXjAjOToPeVPtScwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJZWMtY2xpZW50MB4XDTI2MTEyNTA4NTg1MFoXDTM2MTEyMjA4
NTg1MFowFDESMBAGA1UEAwwJZWMtY2xpZW50MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEsAWyMFuY+bV/XV8Rp8bCllbKSD94EOVHiYMHqQlmGLkTyxAvKuZLYy9p
ym2Qlp2GdQTVEqiSOT14BHrrxH7bxaN1MHMwHQYDVR0OBBYEFFNwvOIWgry+vcMs
yNg/pmlNXXM8MB8GA1UdIwQYMBaAFFNwvOIWgry+vcMsyNg/pmlNXXM8MAwGA1Ud
EwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMCMAoG
CCqGSM49BAMCA0kAMEYCIQCIftT6tH9f50GZ5o1iuAOzZW9+vVvKuRYeBVSZ1sa6
KQIhAK0bDoBPPEZumJBaoRR+vS/saGVNBTgZTtIGsRCN5EOW
-----END CERTIFICATE-----`;

/** A self-signed RSA certificate with exactly the given subject CNs and extensions (none: a v1 certificate). */
function certificate(commonNames: string[], extensions: object[] | null): string {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.serialNumber = "01";
  cert.validity.notBefore = new Date();
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const subject = commonNames.map((value) => ({ name: "commonName", value }));
  cert.setSubject(subject);
  cert.setIssuer(subject);
  if (extensions) cert.setExtensions(extensions);
  else cert.version = 0;
  cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs8", format: "pem" }).toString()), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const leafExtensions = [{ name: "basicConstraints", cA: false }, { name: "keyUsage", digitalSignature: true, keyEncipherment: true }];
const leaf = (cn: string) => certificate([cn], leafExtensions);
const reason = (text: string) => {
  const check = checkClientCertificates(text);
  return check.ok ? null : check.reason;
};

describe("client certificates a provider may trust", () => {
  it("takes a leaf's CN as the user, whatever its key type", () => {
    expect(checkClientCertificates(leaf("vault-a"))).toMatchObject({ ok: true, commonName: "vault-a" });
    expect(checkClientCertificates(EC_LEAF)).toMatchObject({ ok: true, commonName: "ec-client", pems: [EC_LEAF] });
  });

  it("refuses what could sign certificates for other users, or name two", () => {
    expect(reason(certificate(["ca"], [{ name: "basicConstraints", cA: true }, { name: "keyUsage", keyCertSign: true }]))).toMatch(/is a CA certificate/);
    expect(reason(certificate(["old"], null))).toMatch(/no BasicConstraints/);
    expect(reason(certificate(["signer"], [{ name: "basicConstraints", cA: false }, { name: "keyUsage", keyCertSign: true }]))).toMatch(/keyCertSign/);
    expect(reason(certificate(["crl"], [{ name: "basicConstraints", cA: false }, { name: "keyUsage", cRLSign: true }]))).toMatch(/cRLSign/);
    expect(reason(certificate(["vault-a", "root"], leafExtensions))).toMatch(/has 2 CNs/);
    expect(reason(leaf("root"))).toMatch(/reserved/);
    expect(reason(leaf("-rf"))).toMatch(/not a usable etcd user name/);
  });

  it("refuses what is not a certificate", () => {
    expect(reason("hello")).toMatch(/no PEM certificate/);
    expect(reason("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----")).toMatch(/not a valid X.509/);
  });

  it("trusts every leaf of a rotation, skips a chain's CA, and refuses a second user", () => {
    const [current, previous] = [leaf("vault-a"), leaf("vault-a")];
    const ca = certificate(["issuer"], [{ name: "basicConstraints", cA: true }]);
    const check = checkClientCertificates(`${current}\n${previous}\n${ca}`);
    expect(check.ok && check.pems.length).toBe(2);
    expect(reason(`${current}\n${leaf("root-like")}`)).toMatch(/certificate 2 names another user/);
    expect(reason(`${current}\n${certificate(["x"], null)}`)).toMatch(/certificate 2 has no BasicConstraints/);
  });
});

describe("prefixes a provider may grant", () => {
  it("grants /name/ paths only", () => {
    for (const ok of ["/vault/", "/vault/app-1/", "/a_b.c/"]) expect(prefixProblem(ok), ok).toBeNull();
    expect(prefixProblem("/")).toMatch(/whole keyspace/);
    expect(prefixProblem("/../")).toMatch(/".." segment/);
    expect(prefixProblem("/a/./b/")).toMatch(/"\." segment/);
    expect(prefixProblem("/vault")).toMatch(/start and end with/);
    expect(prefixProblem("vault/")).toMatch(/start and end with/);
    expect(prefixProblem("/a//b/")).toMatch(/empty path segment/);
    expect(prefixProblem("/a b/")).toMatch(/characters outside/);
    expect(prefixProblem(`/${"x".repeat(300)}/`)).toMatch(/longer than/);
  });
});

describe("planning clients", () => {
  const CA: TrustEntry = { note: "the cluster CA", pem: "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----" };
  const pem = (n: string) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(n).toString("base64")}\n-----END CERTIFICATE-----`;
  const ready = (relationId: number, user: string, prefix: string, ...pems: string[]): RelationRequest => ({
    relationId,
    app: `app${relationId}`,
    request: { kind: "ready", user, prefix, certPems: pems.length ? pems : [pem(user)] },
  });
  const store = (...clients: Client[]) => parseTruststore(renderTruststore(withClients([CA], "etcd", clients)));
  const client = (relationId: number, user: string, prefix: string, p = pem(user)): Client => ({ relationId, user, prefix, pem: p });

  it("serves a new request: user to create, its certificate in the final truststore", () => {
    const plan = planClients("etcd", [CA], [ready(1, "a", "/a/")], new Set(["root"]));
    expect(plan.verdicts.get(1)).toEqual({ kind: "serving" });
    expect(plan.ensure).toEqual([client(1, "a", "/a/")]);
    expect(plan.final).toEqual([client(1, "a", "/a/")]);
    expect(plan.remove).toEqual([]);
    // The CA (anything not ours) stays first and untouched.
    expect(withClients([CA], "etcd", plan.final)[0]).toEqual(CA);
  });

  it("refuses a user or prefix another relation holds, and an etcd user it does not manage", () => {
    const held = store(client(1, "a", "/a/"));
    const requests = [ready(1, "a", "/a/"), ready(2, "a", "/b/"), ready(3, "c", "/a/x/"), ready(4, "outsider", "/o/")];
    const plan = planClients("etcd", held, requests, new Set(["root", "a", "outsider"]));
    expect(plan.verdicts.get(1)).toEqual({ kind: "serving" });
    expect(plan.verdicts.get(2)).toEqual({ kind: "blocked", reason: "CN a is already the etcd user of app1 (etcd-client:1)" });
    expect(plan.verdicts.get(3)).toEqual({ kind: "blocked", reason: "prefix /a/x/ overlaps /a/ of app1 (etcd-client:1)" });
    expect(plan.verdicts.get(4)).toEqual({ kind: "blocked", reason: "etcd already has a user or role outsider that etcd does not manage" });
    expect(plan.ensure.map((c) => c.relationId)).toEqual([1]);
  });

  it("keeps a blocked relation's previous trust and user, and removes a gone relation's", () => {
    const held = store(client(1, "a", "/a/"), client(2, "b", "/b/"));
    const refused: RelationRequest = { relationId: 1, app: "app1", request: { kind: "blocked", reason: "bad" } };
    const plan = planClients("etcd", held, [refused], new Set(["a", "b"]));
    expect(plan.final).toEqual([client(1, "a", "/a/")]);
    expect(plan.remove).toEqual(["b"]);
    expect(plan.ensure).toEqual([]);
  });

  it("moves a relation to a new CN through a journal that holds both", () => {
    const held = store(client(1, "a", "/a/"));
    const plan = planClients("etcd", held, [ready(1, "b", "/a/")], new Set(["a"]));
    expect(plan.journal.map((c) => c.user).sort()).toEqual(["a", "b"]);
    expect(plan.final).toEqual([client(1, "b", "/a/")]);
    expect(plan.remove).toEqual(["a"]);
    // A rerun after a failure midway finds b among its own and carries on.
    const rerun = planClients("etcd", store(...plan.journal), [ready(1, "b", "/a/")], new Set(["a", "b"]));
    expect(rerun.verdicts.get(1)).toEqual({ kind: "serving" });
    expect(rerun.remove).toEqual(["a"]);
  });

  it("leaves another provider application's clients alone but respects their claims", () => {
    const theirs = withClients([CA], "other", [client(7, "x", "/x/")]);
    const plan = planClients("etcd", theirs, [ready(1, "x", "/y/")], new Set(["x"]));
    expect(plan.verdicts.get(1)).toEqual({ kind: "blocked", reason: "CN x is already the etcd user of provider other" });
    expect(readClients(withClients(theirs, "etcd", [])).map((c) => c.app)).toEqual(["other"]);
  });
});
