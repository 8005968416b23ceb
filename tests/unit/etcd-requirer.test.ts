import { describe, expect, it } from "vitest";
import { etcdNames } from "../../src/relations/etcd/identity.js";
import { parseProviderAnswer } from "../../src/relations/etcd/provider-data.js";
import { renderMigrationConfig, renderVaultConfig } from "../../src/vault/hcl.js";
import { createCharmCa } from "../../src/vault/tls.js";

const ca = (await createCharmCa("etcd test CA")).certPem;
const USER = "vault-vault-0123abcd";
const bag = { endpoints: "10.0.0.1:2379,10.0.0.2:2379", version: "3.4.23", "secret-user": "secret:aaaaaaaaaaaaaaaaaaaa", "secret-tls": "secret:bbbbbbbbbbbbbbbbbbbb" };
const user = { username: USER, uris: "https://10.0.0.1:2379,https://10.0.0.2:2379" };
const tls = { tls: "True", "tls-ca": ca };

describe("etcd names", () => {
  it("are unique per application and model, and safe in a key prefix", () => {
    const a = etcdNames({ appName: "vault", modelUuid: "0123abcd-1111-2222-3333-444455556666" });
    expect(a).toEqual({ user: USER, prefix: "/vault/vault-0123abcd/" });
    expect(etcdNames({ appName: "vault-b", modelUuid: "0123abcd-1111-2222-3333-444455556666" }).prefix).not.toBe(a.prefix);
    expect(etcdNames({ appName: "vault", modelUuid: "99999999-1111-2222-3333-444455556666" }).user).not.toBe(a.user);
  });
});

describe("parseProviderAnswer", () => {
  it("accepts a complete answer for our user", () => {
    const answer = parseProviderAnswer(bag, user, tls, USER);
    expect(answer).toMatchObject({ kind: "ready", info: { uris: ["https://10.0.0.1:2379", "https://10.0.0.2:2379"], username: USER, version: "3.4.23" } });
  });

  it.each([
    [{}, user, tls, /secret-user, secret-tls/],
    [bag, {}, tls, /username, uris/],
    [bag, user, {}, /tls-ca/],
    [bag, { ...user, username: "someone-else" }, tls, /user vault-vault-0123abcd \(the provider names "someone-else"\)/],
  ])("waits while something is missing (%#)", (b, u, t, missing) => {
    const answer = parseProviderAnswer(b as Record<string, string>, u as Record<string, string>, t as Record<string, string>, USER);
    expect(answer.kind).toBe("incomplete");
    expect(answer.kind === "incomplete" ? answer.missing.join(", ") : "").toMatch(missing);
  });

  it.each([
    [{ uris: "http://10.0.0.1:2379" }, /is not https:\/\/<host>:<port>/],
    [{ uris: "https://10.0.0.1" }, /is not https/],
    [{ uris: "https://user:pw@10.0.0.1:2379" }, /is not https/],
    [{ uris: "https://10.0.0.1:2379/v3/../x" }, /is not https/],
    [{ uris: 'https://10.0.0.1:2379",tls_skip_verify="true' }, /is not https/],
    [{ uris: "https://10.0.0.1:99999" }, /no valid port/],
    [{ uris: " , " }, /uris is empty/],
    [{ uris: Array.from({ length: 17 }, (_, i) => `https://10.0.0.${i}:2379`).join(",") }, /more than 16/],
  ])("refuses uris %j", (override, reason) => {
    const answer = parseProviderAnswer(bag, { ...user, ...override }, tls, USER);
    expect(answer).toMatchObject({ kind: "invalid" });
    expect(answer.kind === "invalid" ? answer.reason : "").toMatch(reason);
  });

  it.each([
    [{ "tls-ca": "not a certificate" }, /not a PEM certificate/],
    [{ "tls-ca": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" }, /not a PEM certificate/],
    [{ tls: "False" }, /TLS is off/],
  ])("refuses TLS data %j", (override, reason) => {
    const answer = parseProviderAnswer(bag, user, { ...tls, ...override }, USER);
    expect(answer.kind === "invalid" ? answer.reason : "").toMatch(reason);
  });

  it("keeps a malformed version out of status and logs", () => {
    const answer = parseProviderAnswer({ ...bag, version: "3.4\nINJECTED" }, user, tls, USER);
    expect(answer).toMatchObject({ kind: "ready", info: { version: "unknown" } });
  });
});

describe("Vault's etcd storage configuration", () => {
  const etcd = { endpoints: ["https://10.0.0.1:2379"], prefix: "/vault/vault-0123abcd/", caFile: "/c/ca.pem", certFile: "/c/client.pem", keyFile: "/c/client.key" };
  it("renders storage with the HA lock, API v3 and mutual TLS", () => {
    const hcl = renderVaultConfig({ address: "10.0.0.9", apiPort: 8200, clusterPort: 8201, tlsCertFile: "/t/c", tlsKeyFile: "/t/k", fileStoragePath: "/d", raftNodeId: null, etcd, defaultLeaseTtl: "1h", maxLeaseTtl: "2h", logLevel: "info", disableMlock: true, localSocket: null });
    expect(hcl).toContain('storage "etcd" {\n  address    = "https://10.0.0.1:2379"\n  path       = "/vault/vault-0123abcd/"\n  etcd_api   = "v3"\n  ha_enabled = "true"');
    expect(hcl).toContain('tls_key_file  = "/c/client.key"');
    expect(hcl).not.toContain('storage "file"');
  });
  it("renders the migration from file storage", () => {
    const hcl = renderMigrationConfig("/d", etcd);
    expect(hcl).toMatch(/storage_source "file" \{\n {2}path = "\/d"\n\}\nstorage_destination "etcd" \{/);
  });
});
