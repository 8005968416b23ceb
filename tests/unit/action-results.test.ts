import { describe, expect, it } from "vitest";
import { flattenResults } from "../../src/juju/tools/action.js";

describe("flattenResults", () => {
  it("turns nested objects into Juju's dotted keys with string values", () => {
    expect(flattenResults({ seal: { sealed: false, progress: 2 }, version: "1.19.0", keys: ["a", "b"] })).toEqual([
      ["seal.sealed", "false"],
      ["seal.progress", "2"],
      ["version", "1.19.0"],
      ["keys", '["a","b"]'],
    ]);
  });

  it("refuses keys Juju would refuse", () => {
    expect(() => flattenResults({ Bad_Key: 1 })).toThrow(/not valid/);
    expect(() => flattenResults({ stdout: "x" })).toThrow(/reserved/);
  });
});
