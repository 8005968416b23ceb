import { describe, expect, it } from "vitest";
import { KvTargetError, parseKvData, parseKvTarget, parseVersions } from "../../src/actions/kv/target.js";

describe("parseKvTarget: references and paths that parse", () => {
  it.each([
    ["vault.secret(local:charm-app/db.password)", { vaultName: "local", mount: "charm-app", path: "db", key: "password" }],
    ["vault.secret(external:charm-app/team/db.user)", { vaultName: "external", mount: "charm-app", path: "team/db", key: "user" }],
    // The key follows the last dot of the last segment; earlier dots belong to the entry's name.
    ["vault.secret(local:charm-app/db.prod.password)", { vaultName: "local", mount: "charm-app", path: "db.prod", key: "password" }],
    ["vault.secret(local:charm-app/v1.2/db.password)", { vaultName: "local", mount: "charm-app", path: "v1.2/db", key: "password" }],
    // Without a dot in the last segment a reference names the whole entry.
    ["vault.secret(local:charm-app/db)", { vaultName: "local", mount: "charm-app", path: "db", key: null }],
    ["vault.secret(local:charm-app/db.DB_PASS-2)", { vaultName: "local", mount: "charm-app", path: "db", key: "DB_PASS-2" }],
    ["  vault.secret(local:charm-app/db.password)  ", { vaultName: "local", mount: "charm-app", path: "db", key: "password" }],
    ["charm-app/db", { vaultName: null, mount: "charm-app", path: "db", key: null }],
    // A plain path has no key: dots are part of the name.
    ["charm-app/db.password", { vaultName: null, mount: "charm-app", path: "db.password", key: null }],
    ["charm-app/a/b/c@x+y", { vaultName: null, mount: "charm-app", path: "a/b/c@x+y", key: null }],
  ])("%s", (input, expected) => {
    expect(parseKvTarget(input)).toEqual(expected);
  });

  it.each([
    ["charm-app", ""],
    ["charm-app/", ""],
    ["charm-app/team/", "team"],
    ["charm-app/team", "team"],
  ])("kv-list folder %s", (input, path) => {
    expect(parseKvTarget(input, { folder: true })).toEqual({ vaultName: null, mount: "charm-app", path, key: null });
  });
});

describe("parseKvTarget: targets that do not parse", () => {
  it.each([
    ["", /empty/],
    ["vault.secret(charm-app/db.password)", /<vault>: part is missing/],
    ["vault.secret(Local:charm-app/db.password)", /not a Vault name/],
    ["vault.secret(:charm-app/db.password)", /not a Vault name/],
    ["vault.secret(local:charm-app/db.pass word)", /whitespace/],
    ["vault.secret(local:charm-app/db.pass$word)", /not a key name/],
    ["vault.secret(local:charm-app/db.)", /not a key name/],
    ["vault.secret(local:charm-app.password)", /not a mount name/],
    ["vault.secret(local:charm-app/../sys.x)", /not allowed/],
    ["vault.secret(local:charm-app/db.password", /not a reference like/],
    ["vault.secret[local:charm-app/db.password]", /not a reference like/],
    ["vault.secret(local:/charm-app/db.password)", /not a mount name/],
    ["vault.secret(local:charm-app//db.password)", /not allowed/],
    ["charm-app", /names a mount but no entry/],
    ["charm-app/", /names a mount but no entry/],
    ["/charm-app/db", /starts with "\/"/],
    ["Charm-App/db", /not a mount name/],
    ["charm-../sys", /not a mount name/],
    ["charm-app/../../sys/mounts", /not allowed/],
    ["charm-app/./db", /not allowed/],
    ["charm-app/.hidden", /not allowed/],
    ["charm-app/a//b", /not allowed/],
    ["charm-app/db\nsys/mounts", /whitespace/],
    ["charm-app/db\\x", /whitespace or a backslash/],
    ["charm-app/*", /not allowed/],
    ["charm-app/db?version=1", /not allowed/],
    ["charm-app/db#x", /not allowed/],
    ["charm-app/%2e%2e", /not allowed/],
    [`charm-app/${"a/".repeat(20)}b`, /deeper than 16/],
    [`charm-app/${"a".repeat(1100)}`, /longer than 1024/],
  ])("%j is refused", (input, why) => {
    expect(() => parseKvTarget(input)).toThrowError(KvTargetError);
    expect(() => parseKvTarget(input)).toThrowError(why);
  });

  it("refuses a reference where a folder is wanted", () => {
    expect(() => parseKvTarget("vault.secret(local:charm-app/db)", { folder: true })).toThrowError(/not a folder/);
  });
});

describe("parseVersions", () => {
  it.each([
    ["1", [1]],
    ["3,1, 2", [1, 2, 3]],
    ["2,2", [2]],
  ])("%s", (input, expected) => expect(parseVersions(input)).toEqual(expected));

  it.each(["", "0", "-1", "1.5", "a", "1;2", "99999999999"])("%j is refused", (input) => {
    expect(() => parseVersions(input)).toThrowError(KvTargetError);
  });

  // juju run reads each value as YAML (cmd/juju/action/run.go): versions=2 arrives as a number,
  // versions=[1,2] as a list; versions=1,2 stays text.
  it.each([
    [2, [2]],
    [[3, 1], [1, 3]],
    [["2", 2], [2]],
  ])("typed %j", (input, expected) => expect(parseVersions(input)).toEqual(expected));

  it.each([0, 1.5, -3, [], [1, { a: 1 }], { a: 1 }, true, null])("typed %j is refused", (input) => {
    expect(() => parseVersions(input)).toThrowError(KvTargetError);
  });
});

describe("parseKvData", () => {
  it("takes a map (what juju run makes of data='{...}'), a JSON object as text, or key=value pairs", () => {
    expect(parseKvData({ password: "s3cret", port: 5432 })).toEqual({ password: "s3cret", port: 5432 });
    expect(() => parseKvData({})).toThrowError(/empty JSON object/);
    expect(() => parseKvData([1])).toThrowError(/must be a map/);
    expect(() => parseKvData(5)).toThrowError(/must be a map/);
    expect(parseKvData('{"password":"s3cret","port":5432}')).toEqual({ password: "s3cret", port: 5432 });
    expect(parseKvData("user=app password=a=b")).toEqual({ user: "app", password: "a=b" });
  });

  it.each([
    ["", /empty/],
    ["{", /not valid JSON/],
    ["[1]", /not key=value/],
    ['{"a":1', /not valid JSON/],
    ["{}", /empty JSON object/],
    ["novalue", /not key=value/],
    ["=x", /not key=value/],
    ["a=1 a=2", /twice/],
  ])("%j is refused", (input, why) => {
    expect(() => parseKvData(input)).toThrowError(why);
  });

  it("never quotes the value of a refused item", () => {
    const secret = "hunter2-very-secret";
    for (const bad of [`{"password": ${secret}}`, `user=x ${secret}`]) {
      let message = "";
      try {
        parseKvData(bad);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe("");
      expect(message).not.toContain(secret);
    }
  });
});
