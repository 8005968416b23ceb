// Each field kind's normal form, against what real servers answered (tests/fixtures/vault-responses,
// captured by scripts/capture-vault-responses.mjs from Vault and OpenBao): what the charm wrote and
// what the server echoes must compare equal, and a real change must not.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensurePolicy, ensureRole } from "../../src/relations/vault-kv/vault-objects.js";
import { parseRole, roleDifferences, type AppRoleSettings } from "../../src/vault/approle.js";
import type { JsonObject, RequestOptions, VaultClient } from "../../src/vault/client.js";
import { normaliseBoolean, normaliseCidr, normaliseCidrs, normaliseDuration, normaliseHcl, normaliseMountVersion, normalisePolicies } from "../../src/vault/normalise.js";
import { parseMounts } from "../../src/vault/sys.js";

const FIXTURES = "tests/fixtures/vault-responses";
const servers = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((d) => /^(vault|openbao)-\d/.test(d)) : [];

interface Fixture {
  wrote: unknown;
  answer: JsonObject;
}
const fixture = (server: string, name: string): Fixture => JSON.parse(readFileSync(join(FIXTURES, server, `${name}.json`), "utf8")) as Fixture;
const roleFixtures = (server: string) => readdirSync(join(FIXTURES, server)).filter((f) => /^approle-role-.*\.json$/.test(f)).map((f) => f.replace(/\.json$/, ""));

describe("normal forms", () => {
  it("makes a CIDR's prefix explicit and writes addresses one way", () => {
    expect(normaliseCidr("127.0.0.5")).toBe("127.0.0.5/32");
    expect(normaliseCidr("127.0.0.5/32")).toBe("127.0.0.5/32");
    expect(normaliseCidr(" 10.1.2.0/24 ")).toBe("10.1.2.0/24");
    expect(normaliseCidr("FD00:0:0:0:0:0:0:8/128")).toBe("fd00::8/128");
    expect(normaliseCidr("fd00::8")).toBe("fd00::8/128");
    expect(normaliseCidr("::ffff:127.0.0.1")).toBe("::ffff:7f00:1/128");
    // Not an address: kept as text, so it equals nothing real.
    expect(normaliseCidr("127.0.0.300")).toBe("127.0.0.300");
    expect(normaliseCidr("127.0.0.1/33")).toBe("127.0.0.1/33");
    expect(normaliseCidrs(["127.0.0.5/32", "127.0.0.5", "10.0.0.0/8"])).toEqual(["10.0.0.0/8", "127.0.0.5/32"]);
    // A different block is a difference: /24 is not /32.
    expect(normaliseCidr("127.0.0.5/24")).not.toBe(normaliseCidr("127.0.0.5"));
  });

  it("reads durations as seconds, from Go durations, bare seconds or numbers", () => {
    expect(normaliseDuration("1h")).toBe(3600);
    expect(normaliseDuration("1h30m")).toBe(5400);
    expect(normaliseDuration("3600")).toBe(3600);
    expect(normaliseDuration(3600)).toBe(3600);
    expect(normaliseDuration("2160h")).toBe(7776000);
    expect(normaliseDuration("")).toBe(0);
    expect(normaliseDuration("soon")).toBeNaN();
    // NaN never equals anything, so text Vault cannot mean is always a difference.
    expect(normaliseDuration("soon") === normaliseDuration("soon")).toBe(false);
  });

  it("compares policy lists as lower-case sets, booleans by value, HCL without line-end noise", () => {
    expect(normalisePolicies(["B", " a", "b", ""])).toEqual(["a", "b"]);
    expect([true, "true", "1", 1].map(normaliseBoolean)).toEqual([true, true, true, true]);
    expect([false, "false", "0", 0].map(normaliseBoolean)).toEqual([false, false, false, false]);
    expect(normaliseBoolean("maybe")).toBeNull();
    expect(normaliseHcl('path "a" {  \r\n  capabilities = ["read"]\r\n}\r\n')).toBe(normaliseHcl('path "a" {\n  capabilities = ["read"]\n}\n'));
    expect(normaliseHcl('path "a" {\n  capabilities = ["read"]\n}')).not.toBe(normaliseHcl('path "a" {\n  capabilities = ["list"]\n}'));
    expect(normaliseMountVersion(undefined)).toBe("1");
    expect(normaliseMountVersion(2)).toBe("2");
  });
});

describe.each(servers)("real answers of %s", (server) => {
  it.each(roleFixtures(server))("%s: the role the charm wrote reads back with no difference", (name) => {
    const { wrote, answer } = fixture(server, name);
    const held = parseRole(answer.data as JsonObject);
    expect(roleDifferences(held, wrote as AppRoleSettings)).toEqual([]);
    // A real change is still seen: one more CIDR, another TTL.
    const settings = wrote as AppRoleSettings;
    expect(roleDifferences(held, { ...settings, tokenBoundCidrs: [...settings.tokenBoundCidrs, "192.0.2.1/32"] }).map((d) => d.field)).toEqual(["token_bound_cidrs"]);
    expect(roleDifferences(held, { ...settings, tokenTtl: "2h" }).map((d) => d.field)).toEqual(["token_ttl"]);
  });

  it("echoes a /32 token binding as a bare address (the form that made every hook rewrite each role)", () => {
    const { wrote, answer } = fixture(server, "approle-role-charm-app-suffix-app-0");
    expect((wrote as AppRoleSettings).tokenBoundCidrs).toEqual(["127.0.0.5/32"]);
    expect((answer.data as JsonObject).token_bound_cidrs).toEqual(["127.0.0.5"]);
  });

  it("keeps policy text as written, so HCL compares in normal form", () => {
    for (const name of readdirSync(join(FIXTURES, server)).filter((f) => f.startsWith("policy-"))) {
      const { wrote, answer } = fixture(server, name.replace(/\.json$/, ""));
      expect(normaliseHcl(String((answer.data as JsonObject).policy))).toBe(normaliseHcl(String(wrote)));
    }
  });

  it("answers kv mounts' versions as the charm reads them, and mount TTLs in seconds", () => {
    const mounts = fixture(server, "sys-mounts");
    const read = parseMounts(mounts.answer.data as JsonObject);
    expect(read).toMatchObject({ "charm-legacy": { type: "kv", version: "1" }, "charm-app-suffix": { type: "kv", version: "2" } });
    const tuned = fixture(server, "sys-mounts-tune-set");
    const wrote = tuned.wrote as Record<string, string>;
    const data = tuned.answer.data as JsonObject;
    expect(normaliseDuration(data.default_lease_ttl as number)).toBe(normaliseDuration(wrote.default_lease_ttl));
    expect(normaliseDuration(data.max_lease_ttl as number)).toBe(normaliseDuration(wrote.max_lease_ttl));
    // Not tuned: sys/mounts says 0 ("the system default", what "" asks for), but the tune endpoint
    // answers the effective default in seconds (768h here): mount TTLs are compared through
    // sys/mounts' config, never through tune, or an untouched mount would look changed.
    const untuned = (mounts.answer.data as Record<string, JsonObject>)["charm-app-suffix/"]!.config as JsonObject;
    expect(normaliseDuration(untuned.default_lease_ttl as number)).toBe(normaliseDuration(""));
    const effective = (fixture(server, "sys-mounts-tune-default").answer.data as JsonObject).default_lease_ttl as number;
    expect(effective).toBeGreaterThan(0);
  });

  it("keeps a secret-id's CIDRs and metadata as written", () => {
    const { wrote, answer } = fixture(server, "approle-secret-id-accessor-lookup");
    const data = answer.data as JsonObject;
    const sent = wrote as { cidr_list: string[]; token_bound_cidrs: string[]; metadata: Record<string, string> };
    expect(normaliseCidrs(data.cidr_list as string[])).toEqual(normaliseCidrs(sent.cidr_list));
    expect(normaliseCidrs(data.token_bound_cidrs as string[])).toEqual(normaliseCidrs(sent.token_bound_cidrs));
    expect(data.metadata).toEqual(sent.metadata);
  });

  it("holds no credential: tokens, accessors, ids and secret-ids were scrubbed", () => {
    for (const name of readdirSync(join(FIXTURES, server))) {
      const text = readFileSync(join(FIXTURES, server, name), "utf8");
      expect(text, name).not.toMatch(/\b(hvs|hvb|hvr|s|b|r)\.[A-Za-z0-9]{20,}/);
      expect(text, name).not.toMatch(/"(secret_id_accessor|accessor|request_id|uuid|client_token|role_id|secret_id)": "(?!<scrubbed>)/);
    }
  });
});

/**
 * The regression of issue 19, on the charm's own ensure functions: a Vault that holds exactly what
 * the charm wants, answering in its real form, gets no write. (On the code before normalisation,
 * ensureRole compared "127.0.0.5/32" with "127.0.0.5" and wrote the role at every hook.)
 */
class RecordingVault {
  readonly writes: string[] = [];
  constructor(private readonly answers: Record<string, JsonObject>) {}
  async request(method: string, path: string, _options: RequestOptions = {}): Promise<JsonObject> {
    if (method !== "GET" && method !== "LIST") this.writes.push(`${method} ${path}`);
    return Promise.resolve(this.answers[`${method} ${path}`] ?? {});
  }
}

describe.each(servers)("ensure functions on %s's answers", (server) => {
  it("ensureRole does not rewrite a role Vault echoes with a bare /32 address", async () => {
    const name = "charm-app-suffix-app-0";
    const { wrote, answer } = fixture(server, `approle-role-${name}`);
    const vault = new RecordingVault({ [`GET auth/approle/role/${name}`]: answer, [`GET auth/approle/role/${name}/role-id`]: { data: { role_id: "a-role-id" } } });
    const roleId = await ensureRole(vault as unknown as VaultClient, name, wrote as AppRoleSettings);
    expect(roleId).toBe("a-role-id");
    expect(vault.writes).toEqual([]);
  });

  it("ensureRole still writes when a binding really changed", async () => {
    const name = "charm-app-suffix-app-0";
    const { wrote, answer } = fixture(server, `approle-role-${name}`);
    const vault = new RecordingVault({ [`GET auth/approle/role/${name}`]: answer, [`GET auth/approle/role/${name}/role-id`]: { data: { role_id: "a-role-id" } } });
    await ensureRole(vault as unknown as VaultClient, name, { ...(wrote as AppRoleSettings), tokenBoundCidrs: ["127.0.0.6/32"], secretIdBoundCidrs: ["127.0.0.6/32"] });
    expect(vault.writes).toEqual([`POST auth/approle/role/${name}`]);
  });

  it("ensurePolicy leaves a policy alone that differs only in line ends and trailing blanks", async () => {
    const { answer } = fixture(server, "policy-charm-handwritten");
    const vault = new RecordingVault({ "GET sys/policies/acl/charm-handwritten": answer });
    expect(await ensurePolicy(vault as unknown as VaultClient, "charm-handwritten", 'path "charm-x/*" {\n  capabilities = ["read"]\n}\n')).toBe(false);
    expect(vault.writes).toEqual([]);
  });
});
