// How a Vault request is counted (src/vault/request-kinds.ts): the charm's `vault writes: N` and the
// idempotence suite's reading of the audit log use this one classifier.
import { describe, expect, it } from "vitest";
import { describeTally, operationOf, requestKind } from "../../src/vault/request-kinds.js";

describe("request kinds", () => {
  it("maps HTTP methods to the audit log's operations", () => {
    expect(["GET", "LIST", "POST", "PUT", "DELETE"].map(operationOf)).toEqual(["read", "list", "update", "update", "delete"]);
  });

  it("tells reads, the hook's own token, read-only lookups and writes apart", () => {
    expect(requestKind("read", "auth/approle/role/charm-a-0")).toBe("read");
    expect(requestKind("list", "auth/approle/role/charm-a-0/secret-id")).toBe("read");
    expect(requestKind("update", "auth/approle/login")).toBe("token");
    expect(requestKind("update", "auth/token/revoke-self")).toBe("token");
    expect(requestKind("update", "auth/approle/role/charm-a-0/secret-id-accessor/lookup")).toBe("lookup");
    expect(requestKind("update", "sys/wrapping/lookup")).toBe("lookup");
    expect(requestKind("update", "sys/capabilities-self")).toBe("lookup");
    // Everything else that is not a read changes what Vault stores.
    expect(requestKind("update", "auth/approle/role/charm-a-0")).toBe("write");
    expect(requestKind("update", "auth/approle/role/charm-a-0/secret-id")).toBe("write");
    expect(requestKind("update", "auth/approle/role/charm-a-0/secret-id-accessor/destroy")).toBe("write");
    expect(requestKind("delete", "sys/policies/acl/charm-a-0")).toBe("write");
    expect(requestKind("create", "charm-kv/data/x")).toBe("write");
    expect(requestKind("update", "sys/wrapping/unwrap")).toBe("write");
    // The client's paths (no /v1/ prefix) and the audit log's classify alike.
    expect(requestKind("update", "/v1/sys/capabilities-self")).toBe("lookup");
  });

  it("leads the debug line with the write count", () => {
    expect(describeTally({ requests: 9, read: 5, token: 2, lookup: 1, write: 1 })).toBe("vault writes: 1 (requests: 9, reads: 5, lookups: 1, token login/revoke: 2)");
  });
});
