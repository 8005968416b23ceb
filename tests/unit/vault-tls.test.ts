import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCharmCa, issueServerCertificate, serverCertificateRenewalDue } from "../../src/vault/tls.js";

describe("charm PKI", async () => {
  const ca = await createCharmCa();
  const server = await issueServerCertificate(ca, { commonName: "vault-0", ipAddresses: ["127.0.0.2"], dnsNames: ["localhost"] });
  const otherCa = await createCharmCa();

  it("creates a CA that signs server certificates with the unit's address in the SANs", () => {
    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(server.certPem);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIP("127.0.0.2")).toBe("127.0.0.2");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(server.keyPem).toContain("PRIVATE KEY");
  });

  it("keeps a current certificate until it is due, and replaces one that no longer fits", () => {
    const due = serverCertificateRenewalDue(server.certPem, ca.certPem, ["127.0.0.2"]);
    expect(due).toBeGreaterThan(Date.now());
    expect(serverCertificateRenewalDue(server.certPem, ca.certPem, ["127.0.0.3"])).toBeNull();
    expect(serverCertificateRenewalDue(server.certPem, otherCa.certPem, ["127.0.0.2"])).toBeNull();
    const nearExpiry = Date.now() + 360 * 24 * 3600 * 1000;
    expect(due).toBeLessThanOrEqual(nearExpiry);
    expect(serverCertificateRenewalDue("garbage", ca.certPem, [])).toBeNull();
  });
});
