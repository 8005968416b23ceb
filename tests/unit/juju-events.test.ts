import { describe, expect, it } from "vitest";
import { parseDispatchPath } from "../../src/juju/events.js";
import { CHARM_ENDPOINTS } from "../../src/hook.js";

describe("parseDispatchPath", () => {
  it.each([
    ["hooks/install", { type: "lifecycle", hook: "install" }],
    ["hooks/update-status", { type: "lifecycle", hook: "update-status" }],
    ["hooks/leader-settings-changed", { type: "lifecycle", hook: "leader-settings-changed" }],
    ["hooks/secrets-relation-joined", { type: "relation", endpoint: "secrets", kind: "joined" }],
    ["hooks/vault-kv-relation-changed", { type: "relation", endpoint: "vault-kv", kind: "changed" }],
    ["hooks/vault-peers-relation-departed", { type: "relation", endpoint: "vault-peers", kind: "departed" }],
    ["hooks/etcd-relation-broken", { type: "relation", endpoint: "etcd", kind: "broken" }],
    ["hooks/secret-rotate", { type: "secret", kind: "rotate" }],
    ["hooks/secret-remove", { type: "secret", kind: "remove" }],
    ["actions/generate-secret-id", { type: "action", name: "generate-secret-id" }],
  ])("%s", (path, expected) => {
    expect(parseDispatchPath(path, CHARM_ENDPOINTS)).toEqual(expected);
  });

  it.each(["hooks/db-relation-changed", "hooks/collect-metrics", "hooks/", "other/install", "hooks/a/b", ""])(
    "treats %j as unknown",
    (path) => {
      expect(parseDispatchPath(path, CHARM_ENDPOINTS)).toEqual({ type: "unknown", path });
    },
  );
});
