// The suite-wide leak scan (tests/setup/leak-scan.ts) must find a secret wherever it lands in a log
// or an argv, and let through only the carriers allowed by design; a scan that finds nothing
// proves nothing unless it is shown to find something.
import { describe, expect, it } from "vitest";
import { harvestSecrets, leaksIn, type SecretRegistry, type Transcript } from "../integration/leaks.js";
import type { Sim } from "../sim/controller.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const SECRET_ID = "9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b";
const SHARES = ["share-one-AAAAAAAA", "share-two-BBBBBBBB"];
const ROOT = "hvs.rootTokenValue123";

/** Just the parts of a model the harvest reads. */
function modelWith(): Sim {
  return {
    model: {
      secrets: {
        a: { id: "a", label: "vault-approle-charm", revisions: [{ revision: 3, content: { "role-id": b64("role-7777-8888"), "secret-id": b64(SECRET_ID) } }] },
        b: { id: "b", name: "vault-unseal", revisions: [{ revision: 1, content: { keys: b64(SHARES.join("\n")) } }] },
      },
      actions: {
        "1": { id: "1", name: "initialize", params: {}, results: { "unseal-keys": SHARES.join(","), "root-token": ROOT } },
        "2": { id: "2", name: "kv-put", params: { data: JSON.stringify({ password: "hunter2-but-longer" }) }, results: {} },
      },
      relations: [],
    },
  } as unknown as Sim;
}

function transcript(parts: Partial<Transcript>): Transcript {
  return { model: "/m", logs: new Map(), argv: [], probeUnits: new Set(), ...parts };
}

describe("leak scan", () => {
  const registry: SecretRegistry = new Map();
  harvestSecrets(modelWith(), registry);

  it("knows every secret the model held, each share and each kv value on its own", () => {
    for (const value of [SECRET_ID, ...SHARES, ROOT, "hunter2-but-longer"]) expect(registry.has(value), value).toBe(true);
  });

  it("reports a secret in a log line or an argv by where it came from, never by its value", () => {
    const leaks = leaksIn(
      transcript({
        logs: new Map([["logs/vault-0.log", `INFO vault/0 update-status: logged in with ${SECRET_ID}\n`]]),
        argv: [{ unit: "vault/0", run: "update-status", tool: "status-set", args: `active ${SHARES[1]}` }],
      }),
      registry,
    );
    expect(leaks).toEqual([
      "logs/vault-0.log: secret vault-approle-charm revision 3 key secret-id",
      expect.stringMatching(/^argv of status-set in vault\/0 update-status: (secret vault-unseal revision 1 key keys|result unseal-keys of action initialize 1)$/),
    ]);
    expect(leaks.join("\n")).not.toContain(SECRET_ID);
  });

  it("allows action-set only in actions that exist to return a secret, and the simulator's own shell charm", () => {
    const leaks = leaksIn(
      transcript({
        argv: [
          { unit: "vault/0", run: "action initialize", tool: "action-set", args: `root-token=${ROOT}` },
          { unit: "vault/0", run: "action vault-status", tool: "action-set", args: `token=${ROOT}` },
          { unit: "probe/0", run: "action add-secret", tool: "secret-add", args: `token=${ROOT}` },
        ],
        probeUnits: new Set(["probe/0"]),
      }),
      registry,
    );
    expect(leaks).toEqual([`argv of action-set in vault/0 action vault-status: result root-token of action initialize 1`]);
  });

  it("lets Vault's own log name an AppRole alias by its role-id, and nothing more", () => {
    const vaultLog = "units/vault-0/root/var/log/vault.log";
    const leaks = leaksIn(
      transcript({
        logs: new Map([
          [vaultLog, "[WARN]  identity: duplicate identity name: alias_name=role-7777-8888\n"],
          ["logs/vault-0.log", "INFO vault/0 update-status: role role-7777-8888\n"],
          ["units/vault-1/root/var/log/vault.log", `[INFO] ${ROOT}\n`],
        ]),
      }),
      registry,
    );
    expect(leaks).toEqual(["logs/vault-0.log: secret vault-approle-charm revision 3 key role-id", "units/vault-1/root/var/log/vault.log: result root-token of action initialize 1"]);
  });

  it("scans vault-auth's pull-authentication fields: worker and runner ids and the worker's secret-id, not the role name", () => {
    const pull = new Map() as SecretRegistry;
    const fields = { "worker-role-id": "w-role-0a1b2c3d", "worker-secret-id": "w-secret-4e5f6a7b", "runner-role-id": "r-role-8c9d0e1f", "runner-role": "vault-charm-runner" };
    const content = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, b64(v)]));
    harvestSecrets({ model: { secrets: { v: { id: "v", name: "vault-auth", revisions: [{ revision: 1, content }] } }, actions: {}, relations: [] } } as unknown as Sim, pull);
    expect([...pull.keys()].sort()).toEqual(["r-role-8c9d0e1f", "w-role-0a1b2c3d", "w-secret-4e5f6a7b"]);
    const line = `INFO vault/0 update-status: ${fields["worker-secret-id"]} ${fields["runner-role-id"]} auth/approle/role/${fields["runner-role"]}/secret-id\n`;
    expect(leaksIn(transcript({ logs: new Map([["logs/vault-0.log", line]]) }), pull)).toEqual([
      "logs/vault-0.log: secret vault-auth revision 1 key worker-secret-id",
      "logs/vault-0.log: secret vault-auth revision 1 key runner-role-id",
    ]);
  });
});
