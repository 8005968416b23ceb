import { describe, expect, it } from "vitest";
import {
  classifyHookToolFailure,
  HookToolError,
  PermissionDeniedError,
  RelationNotFoundError,
  SecretNotFoundError,
} from "../../src/juju/errors.js";

describe("classifyHookToolFailure", () => {
  it.each([
    ["relation-get", 2, 'ERROR invalid value "db:9" for flag -r: relation not found\n', RelationNotFoundError],
    ["secret-get", 1, 'ERROR secret "cuvbv6p34trs48a10a2g" not found\n', SecretNotFoundError],
    ["secret-set", 1, "ERROR permission denied\n", PermissionDeniedError],
    ["relation-set", 1, "ERROR cannot write relation settings\n", PermissionDeniedError],
    ["status-set", 1, "ERROR this unit is not the leader\n", PermissionDeniedError],
    ["config-get", 1, "ERROR something else\n", HookToolError],
  ])("%s: %j", (tool, code, stderr, expected) => {
    const error = classifyHookToolFailure(tool, code, stderr);
    expect(error).toBeInstanceOf(expected);
    expect(error.detail).not.toMatch(/^ERROR/);
    expect(error.exitCode).toBe(code);
  });

  it("does not call a missing relation value a missing secret", () => {
    expect(classifyHookToolFailure("relation-get", 1, "ERROR key not found")).not.toBeInstanceOf(SecretNotFoundError);
  });
});
