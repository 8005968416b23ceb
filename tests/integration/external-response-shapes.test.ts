// Every shape of answer a real Vault or OpenBao gives to the endpoints external mode reads, for
// every kind of token an operator may put in vault-auth, goes through the charm's own parsers
// (issue 16.1: OpenBao's lookup-self of the root token from init has no `renewable`, and the charm
// crashed every hook). With CAPTURE_FIXTURES=1 the answers are also written, tokens redacted, to
// tests/unit/fixtures/vault-responses/<server>/, which the unit tests read.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as approle from "../../src/vault/approle.js";
import type { JsonObject, VaultClient } from "../../src/vault/client.js";
import * as sys from "../../src/vault/sys.js";
import { startExternalVault, type External } from "./external-server.js";
import { implementations } from "./servers.js";

/** The kinds of token an operator may hand the charm, as the root token makes them. */
const TOKEN_KINDS: Record<string, JsonObject> = {
  "service-renewable": { policies: ["vault-charm"], ttl: "1h" },
  "service-not-renewable": { policies: ["vault-charm"], ttl: "1h", renewable: false },
  periodic: { policies: ["vault-charm"], period: "1h" },
  orphan: { policies: ["vault-charm"], ttl: "1h", no_parent: true },
  "explicit-max-ttl": { policies: ["vault-charm"], ttl: "1h", explicit_max_ttl: "2h" },
  "limited-uses": { policies: ["vault-charm"], ttl: "1h", num_uses: 10 },
  batch: { policies: ["vault-charm"], ttl: "1h", type: "batch" },
};

function redact(answer: JsonObject, secrets: string[]): JsonObject {
  let text = JSON.stringify(answer, null, 2);
  for (const s of secrets) text = text.split(s).join(s.startsWith("b.") || s.startsWith("hvb.") ? "b.REDACTED" : "s.REDACTEDREDACTEDREDACTED");
  return JSON.parse(text) as JsonObject;
}

for (const impl of implementations()) {
  describe.skipIf(!impl.bin)(`external-mode endpoints answer shapes the charm accepts, on ${impl.name}${impl.bin ? "" : " (binary not installed: skipped)"}`, () => {
    let external: External;
    let version = "";
    const secrets: string[] = [];
    const captured: Record<string, JsonObject> = {};
    const capture = (name: string, answer: JsonObject) => void (captured[name] = answer);

    beforeAll(async () => {
      external = await startExternalVault(impl);
      version = (await sys.health(external.root)).version;
      secrets.push(external.rootToken);
    }, 120_000);
    afterAll(async () => {
      if (process.env.CAPTURE_FIXTURES === "1" && version) {
        const dir = join(import.meta.dirname, "..", "unit", "fixtures", "vault-responses", `${impl.name}-${version}`);
        mkdirSync(dir, { recursive: true });
        for (const [name, answer] of Object.entries(captured)) writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(redact(answer, secrets), null, 2)}\n`);
      }
      await external?.server.stop();
    });

    /** lookup-self through the charm's parser, checked against the raw answer. */
    async function lookUp(name: string, client: VaultClient) {
      const raw = await client.request("GET", "auth/token/lookup-self");
      capture(`auth-token-lookup-self.${name}`, raw);
      const info = sys.tokenInfoFrom(raw);
      const d = raw.data as JsonObject;
      expect(info.ttl).toBe(d.ttl ?? 0);
      expect(info.renewable).toBe(d.renewable ?? false);
      expect(info.policies).toEqual(d.policies ?? []);
      return info;
    }

    it("lookup-self of the root token from init (issue 16.1)", async () => {
      const info = await lookUp("root-from-init", external.root);
      expect(info).toMatchObject({ ttl: 0, renewable: false, policies: ["root"] });
      expect(await sys.lookupSelf(external.root)).toEqual(info);
    });

    for (const [kind, body] of Object.entries(TOKEN_KINDS)) {
      it(`lookup-self and renew-self of a ${kind} token`, async () => {
        const made = await external.root.request("POST", "auth/token/create", { body });
        const token = String((made.auth as JsonObject).client_token);
        secrets.push(token);
        const client = external.root.withToken(token);
        const info = await lookUp(kind, client);
        expect(info.ttl).toBeGreaterThan(0);
        if (info.renewable) {
          const raw = await client.request("POST", "auth/token/renew-self", { body: { increment: "3600s" } });
          capture(`auth-token-renew-self.${kind}`, raw);
          expect(await sys.renewSelf(client, 3600)).toBeGreaterThan(0);
        }
      });
    }

    it("health, auth methods and capabilities-self", async () => {
      const health = await external.root.request("GET", "sys/health?standbyok=true&perfstandbyok=true&sealedcode=200&uninitcode=200");
      capture("sys-health", health);
      expect(await sys.health(external.root)).toMatchObject({ initialized: true, sealed: false });
      capture("sys-auth", await external.root.request("GET", "sys/auth"));
      expect((await sys.listAuthMethods(external.root)).approle).toBe("approle");
      capture("sys-capabilities-self", await external.root.request("POST", "sys/capabilities-self", { body: { paths: ["charm-x", "sys/mounts"] } }));
      expect(await sys.capabilitiesSelf(external.root, ["charm-x"])).toEqual({ "charm-x": ["root"] });
    });

    it("AppRole login, a wrapped secret-id, its wrapping lookup and unwrap", async () => {
      await external.root.request("POST", "auth/approle/role/shape-runner", { body: { token_policies: ["vault-charm"], token_ttl: "60s" } });
      const wrapped = await external.root.request("POST", "auth/approle/role/shape-runner/secret-id", { wrapTtl: "60s" });
      capture("auth-approle-role-secret-id.wrapped", wrapped);
      const info = wrapped.wrap_info as JsonObject;
      secrets.push(String(info.token));
      expect(info.creation_path).toBe("auth/approle/role/shape-runner/secret-id");
      const lookup = await external.root.request("POST", "sys/wrapping/lookup", { body: { token: String(info.token) } });
      capture("sys-wrapping-lookup", lookup);
      expect((lookup.data as JsonObject).creation_path).toBe("auth/approle/role/shape-runner/secret-id");
      const unwrapped = await sys.unwrap(external.root.withToken(undefined), String(info.token));
      secrets.push(String(unwrapped.secret_id));
      const roleId = await approle.readRoleId(external.root, "approle", "shape-runner");
      const raw = await external.root.withToken(undefined).request("POST", "auth/approle/login", { body: { role_id: roleId, secret_id: String(unwrapped.secret_id) } });
      capture("auth-approle-login", raw);
      secrets.push(String((raw.auth as JsonObject).client_token));
      expect((raw.auth as JsonObject).lease_duration).toBe(60);
      await expect(sys.unwrap(external.root.withToken(undefined), String(info.token))).rejects.toMatchObject({ status: 400 });
    });
  });
}
