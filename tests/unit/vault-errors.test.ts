import { describe, expect, it } from "vitest";
import {
  classifyVaultFailure,
  VaultNotFoundError,
  VaultNotInitialisedError,
  VaultPermissionDeniedError,
  VaultRequestError,
  VaultSealedError,
} from "../../src/vault/errors.js";

describe("classifyVaultFailure", () => {
  it.each([
    [503, ["Vault is sealed"], VaultSealedError],
    [400, ["Vault is not initialized"], VaultNotInitialisedError],
    [403, ["permission denied"], VaultPermissionDeniedError],
    [400, ["1 error occurred:\n\t* permission denied\n\n"], VaultPermissionDeniedError],
    [404, [], VaultNotFoundError],
    [400, ["invalid secret id"], VaultRequestError],
  ])("%i %j", (status, errors, expected) => {
    const error = classifyVaultFailure(status, "sys/x", errors);
    expect(error).toBeInstanceOf(expected);
    expect(error.status).toBe(status);
    expect(error.message).toContain("sys/x");
  });
});
