// Strict address and CIDR parsing: what reaches Vault is one canonical form, and nothing Vault
// would read wider than it looks (issue 13, findings 4 and 5).
import { describe, expect, it } from "vitest";
import { addressCidr, breadthProblem, canonicalCidr } from "../../src/cidr.js";

describe("canonicalCidr", () => {
  it.each([
    ["10.0.0.5/8", "10.0.0.0/8"],
    ["127.0.0.1/32", "127.0.0.1/32"],
    // Go's net package reads a mapped /96 as 0.0.0.0/0: it becomes exactly that, for the breadth check.
    ["::ffff:0.0.0.0/96", "0.0.0.0/0"],
    ["::ffff:127.0.0.1/128", "127.0.0.1/32"],
    ["::ffff:7f00:1/128", "127.0.0.1/32"],
    ["2001:0db8:0:0:0:0:0:1/128", "2001:db8::1/128"],
    ["2001:db8::1/64", "2001:db8::/64"],
    ["1::/16", "1::/16"],
    ["::1/128", "::1/128"],
    ["2001:db8:0:1:0:0:0:0/64", "2001:db8:0:1::/64"],
    // Blocks wider than the mapped range that touch it would admit IPv4 clients: refused.
    ["::/1", null],
    ["::/0", null],
    ["::ffff:0:0/95", null],
    ["8000::/1", "8000::/1"],
    ["fe80::1%lo/128", null],
    ["127.000.0.1/32", null],
    ["127.0.0.1/33", null],
    ["127.0.0.1", null],
    ["1:2:3:4:5:6:7:8:9/128", null],
    ["1::2::3/128", null],
    ["", null],
  ])("%s -> %s", (input, expected) => expect(canonicalCidr(input)).toBe(expected));
});

describe("addressCidr", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1/32"],
    ["::ffff:127.0.0.1", "127.0.0.1/32"],
    ["fe80::1", "fe80::1/128"],
    ["fe80::1%lo", null],
    ["127.0.0.01", null],
    ["localhost", null],
  ])("%s -> %s", (input, expected) => expect(addressCidr(input)).toBe(expected));
});

describe("breadthProblem", () => {
  const limit = { ipv4: 8, ipv6: 32 };
  it.each([
    [["10.0.0.0/8"], false],
    [["10.0.0.0/7"], true],
    [["0.0.0.0/1", "128.0.0.0/1"], true],
    [["10.0.0.0/9", "10.128.0.0/9"], false],
    [["10.0.0.0/9", "11.128.0.0/9", "10.0.0.0/8"], true],
    [["10.0.0.0/8", "10.1.0.0/16", "10.2.3.4/32"], false],
    [["0.0.0.0/0"], true],
    [["2001:db8::/32"], false],
    [["2001::/32", "2002::/32"], true],
    [["8000::/1"], true],
    [["10.0.0.0/8", "2001:db8::/32"], false],
  ])("%j wider than the limit: %s", (cidrs, wide) => expect(breadthProblem(cidrs, limit) !== null).toBe(wide));
});
