import { describe, expect, it } from "vitest";
import { JujuContextError, readJujuContext } from "../../src/juju/context.js";

const base = {
  JUJU_UNIT_NAME: "vault/2",
  JUJU_MODEL_UUID: "0e3b5f6e-8c1a-4a4e-9d39-bbbed95a405d",
  JUJU_MODEL_NAME: "prod",
  JUJU_DISPATCH_PATH: "hooks/secrets-relation-departed",
  JUJU_CHARM_DIR: "/var/lib/juju/agents/unit-vault-2/charm",
  JUJU_VERSION: "3.6.4",
};

describe("readJujuContext", () => {
  it("parses a relation hook's environment", () => {
    const ctx = readJujuContext({
      ...base,
      JUJU_RELATION: "secrets",
      JUJU_RELATION_ID: "secrets:7",
      JUJU_REMOTE_UNIT: "",
      JUJU_REMOTE_APP: "consumer",
      JUJU_DEPARTING_UNIT: "consumer/1",
    });
    expect(ctx).toMatchObject({
      unitName: "vault/2",
      appName: "vault",
      unitNumber: 2,
      relation: { endpoint: "secrets", id: 7 },
      remoteUnit: null,
      remoteApp: "consumer",
      departingUnit: "consumer/1",
    });
  });

  it("parses secret and action variables", () => {
    const ctx = readJujuContext({
      ...base,
      JUJU_DISPATCH_PATH: "hooks/secret-remove",
      JUJU_SECRET_ID: "secret://0e3b5f6e-8c1a-4a4e-9d39-bbbed95a405d/cuvbv6p34trs48a10a2g",
      JUJU_SECRET_REVISION: "3",
      JUJU_ACTION_NAME: "unseal",
      JUJU_ACTION_UUID: "12",
    });
    expect(ctx.secretRevision).toBe(3);
    expect(ctx.actionName).toBe("unseal");
    expect(ctx.actionId).toBe("12");
  });

  it("refuses to run outside a hook", () => {
    expect(() => readJujuContext({})).toThrow(JujuContextError);
    expect(() => readJujuContext({ ...base, JUJU_UNIT_NAME: "vault" })).toThrow(/not <app>\/<n>/);
  });
});
