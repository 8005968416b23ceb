import { describe, expect, it } from "vitest";
import { legacyMountName, legacyRoleName, UnsafeNameError, v0MountName, v0RoleName } from "../../src/relations/vault-kv/naming.js";
import { cidrWithin, isCidr } from "../../src/cidr.js";
import { detectDialect, parseLegacyRequest, parseV0Request } from "../../src/relations/vault-kv/requests.js";

const LIMITS = { breadth: { ipv4: 8, ipv6: 32 } };

const uuid = "0e3b5f6e-8c1a-4a4e-9d39-bbbed95a405d";
const j = (v: unknown) => JSON.stringify(v);
const legacyBag = {
  secret_backend: j("charm-vaultlocker"),
  unit_name: j(`${uuid}-ceph-osd/0`),
  access_address: j("127.0.0.5"),
  hostname: j("juju-ceph-0"),
  isolated: j(true),
};

describe("legacy requests", () => {
  it("accepts JSON-encoded and raw values", () => {
    const parsed = parseLegacyRequest("ceph-osd/0", legacyBag, LIMITS);
    expect(parsed).toEqual({
      kind: "valid",
      request: {
        unit: "ceph-osd/0",
        unitName: `${uuid}-ceph-osd/0`,
        backend: "charm-vaultlocker",
        hostname: "juju-ceph-0",
        isolated: true,
        accessCidr: "127.0.0.5/32",
        cidrs: ["127.0.0.5/32"],
      },
    });
    const raw = parseLegacyRequest("ceph-osd/0", { secret_backend: "charm-x", access_address: "127.0.0.5", hostname: "h", isolated: "false" }, LIMITS);
    expect(raw).toMatchObject({ kind: "valid", request: { unitName: "ceph-osd/0", isolated: false } });
  });

  it("waits for an incomplete request", () => {
    expect(parseLegacyRequest("a/0", {}, LIMITS).kind).toBe("incomplete");
    expect(parseLegacyRequest("a/0", { secret_backend: j("charm-x") }, LIMITS).kind).toBe("incomplete");
  });

  it("refuses a backend without the charm- prefix, naming the unit", () => {
    const parsed = parseLegacyRequest("ceph-osd/0", { ...legacyBag, secret_backend: j("secret") }, LIMITS);
    expect(parsed).toEqual({ kind: "invalid", reason: 'ceph-osd/0: secret_backend "secret" does not start with "charm-"' });
  });

  it("refuses a unit_name naming another unit", () => {
    const parsed = parseLegacyRequest("ceph-osd/1", legacyBag, LIMITS);
    expect(parsed.kind).toBe("invalid");
  });
});

describe("v0 requests", () => {
  const appBag = { mount_suffix: "secrets" };
  const unitBag = { nonce: "3081279da89c48a32923473c2c587019", egress_subnet: "127.0.0.7/32, 10.1.1.0/24" };

  it("accepts a complete request", () => {
    expect(parseV0Request("barbican/0", appBag, unitBag, LIMITS)).toEqual({
      kind: "valid",
      request: { unit: "barbican/0", app: "barbican", mountSuffix: "secrets", nonce: unitBag.nonce, egressSubnets: ["10.1.1.0/24", "127.0.0.7/32"] },
    });
  });

  it("refuses bad CIDRs and nonces", () => {
    expect(parseV0Request("b/0", appBag, { ...unitBag, egress_subnet: "0.0.0.0/0" }, LIMITS).kind).toBe("invalid");
    expect(parseV0Request("b/0", appBag, { ...unitBag, egress_subnet: "10.0.0.1" }, LIMITS).kind).toBe("invalid");
    expect(parseV0Request("b/0", appBag, { ...unitBag, nonce: "x y" }, LIMITS).kind).toBe("invalid");
    expect(parseV0Request("b/0", appBag, { ...unitBag, egress_subnet: "::ffff:0.0.0.0/96" }, LIMITS).kind).toBe("invalid");
    expect(parseV0Request("b/0", appBag, { ...unitBag, egress_subnet: "0.0.0.0/1,128.0.0.0/1" }, LIMITS).kind).toBe("invalid");
    expect(parseV0Request("b/0", appBag, { ...unitBag, egress_subnet: "::/1,8000::/1" }, LIMITS).kind).toBe("invalid");
  });
});

describe("dialect detection", () => {
  it("tells the dialects apart per relation", () => {
    expect(detectDialect({ mount_suffix: "s" }, [])).toBe("v0");
    expect(detectDialect({}, [{ nonce: "abcdefgh" }])).toBe("v0");
    expect(detectDialect({}, [{ secret_backend: '"charm-x"' }])).toBe("legacy");
    expect(detectDialect({}, [{ "ingress-address": "127.0.0.2" }])).toBeNull();
  });
});

describe("CIDRs", () => {
  it.each([
    ["127.0.0.1/32", true],
    ["10.0.0.0/8", true],
    ["fd00::/64", true],
    ["0.0.0.0/0", true],
    ["10.0.0.0/33", false],
    ["fe80::1%lo/128", false],
    ["127.000.0.1/32", false],
    ["::/1", false],
    ["10.0.0.0", false],
    ["10.0.0.0/8/8", false],
    ["x/8", false],
  ])("%s -> %s", (cidr, ok) => expect(isCidr(cidr)).toBe(ok));
});

// Generated hostile inputs: nothing may throw, and anything accepted must name only charm-* things.
describe("hostile relation values", () => {
  const hostileStrings = [
    "charm-../sys",
    "charm-..",
    "charm-a/../../sys/policy",
    "*",
    "charm-*",
    "charm-a\nb",
    "charm-a b",
    "charm-A",
    "charm-",
    "charm-a/b",
    "sys/",
    "",
    " ",
    "charm-" + "a".repeat(200),
    "x".repeat(100_000),
    "charm-a\u0000",
    "charm-é",
    '"charm-quoted"',
    "{}",
    "[]",
    "null",
    "true",
    "42",
    "{not json",
    "charm-a\"} path \"sys/*\" {",
    "../../etc/passwd",
    "127.0.0.1/0",
    "::1",
    "juju-host/../..",
    "host*",
    "host name",
    "a".repeat(64),
  ];
  const encodings = (s: string) => [s, JSON.stringify(s), JSON.stringify({ s }), JSON.stringify([s])];
  const cases: [string, Record<string, string>][] = [];
  for (const s of hostileStrings) {
    for (const value of encodings(s)) {
      for (const key of ["secret_backend", "unit_name", "access_address", "hostname", "isolated"]) {
        cases.push([key, { ...legacyBag, [key]: value }]);
      }
    }
  }

  it(`never crashes and never accepts a name outside charm-* (${cases.length} cases)`, () => {
    expect(cases.length).toBeGreaterThan(500);
    for (const [, bag] of cases) {
      const parsed = parseLegacyRequest("ceph-osd/0", bag, LIMITS);
      if (parsed.kind !== "valid") continue;
      const { backend, hostname, unitName } = parsed.request;
      expect(legacyMountName(backend, "charm-")).toMatch(/^charm-[a-z0-9-]+$/);
      expect(legacyRoleName(unitName, "charm-")).toMatch(/^charm-[a-z0-9-]+$/);
      expect(hostname).toMatch(/^[A-Za-z0-9.-]+$/);
    }
  });

  it("v0: never crashes and never accepts a name outside charm-*", () => {
    let accepted = 0;
    for (const s of hostileStrings) {
      for (const key of ["mount_suffix", "nonce", "egress_subnet"] as const) {
        const appBag = { mount_suffix: key === "mount_suffix" ? s : "secrets" };
        const unitBag = { nonce: key === "nonce" ? s : "abcdef0123456789", egress_subnet: key === "egress_subnet" ? s : "127.0.0.9/32" };
        const parsed = parseV0Request("app/0", appBag, unitBag, LIMITS);
        if (parsed.kind !== "valid") continue;
        accepted += 1;
        const mount = v0MountName(parsed.request.app, parsed.request.mountSuffix, "charm-");
        expect(v0RoleName(mount, parsed.request.unit, "charm-")).toMatch(/^charm-[a-z0-9-]+$/);
      }
    }
    expect(accepted).toBeLessThan(hostileStrings.length); // most hostile values are refused
  });

  it("the naming functions refuse anything that escapes the prefix", () => {
    for (const name of ["sys", "charm-../sys", "charm-a/b", "charm-*", "charm-", "Charm-x"]) {
      expect(() => legacyMountName(name, "charm-")).toThrow(UnsafeNameError);
    }
  });
});

describe("cidrWithin", () => {
  it.each([
    ["10.0.0.7/32", "10.0.0.0/24", true],
    ["10.0.0.0/24", "10.0.0.0/24", true],
    ["10.0.1.7/32", "10.0.0.0/24", false],
    ["10.0.0.0/16", "10.0.0.0/24", false],
    ["127.0.0.1/32", "127.177.207.3/32", false],
    ["2001:db8::1/128", "2001:db8::/32", true],
    ["2001:db9::1/128", "2001:db8::/32", false],
    ["::ffff:10.0.0.1/128", "::ffff:10.0.0.0/120", true],
    ["10.0.0.1/32", "::/1", false],
    ["not-a-cidr", "10.0.0.0/8", false],
  ])("%s within %s -> %s", (inner, outer, expected) => expect(cidrWithin(inner, outer)).toBe(expected));
});
