// Typed Vault failures. Messages carry Vault's own error strings and the request path, never a
// token, secret_id or request body.

export class VaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No answer: connection refused, timeout, TLS failure. */
export class VaultUnreachableError extends VaultError {}

export class VaultRequestError extends VaultError {
  constructor(
    readonly status: number,
    readonly path: string,
    readonly errors: string[],
  ) {
    super(`Vault answered ${status} for ${path}: ${errors.join("; ") || "no error text"}`);
  }
}

export class VaultSealedError extends VaultRequestError {}
export class VaultNotInitialisedError extends VaultRequestError {}
export class VaultPermissionDeniedError extends VaultRequestError {}
export class VaultNotFoundError extends VaultRequestError {}

/** Picks the error class for a non-2xx answer from Vault's status code and error strings. */
export function classifyVaultFailure(status: number, path: string, errors: string[]): VaultRequestError {
  const text = errors.join(" ").toLowerCase();
  if (text.includes("vault is sealed")) return new VaultSealedError(status, path, errors);
  if (text.includes("not initialized") || text.includes("not been initialized")) return new VaultNotInitialisedError(status, path, errors);
  if (status === 403 || text.includes("permission denied")) return new VaultPermissionDeniedError(status, path, errors);
  if (status === 404) return new VaultNotFoundError(status, path, errors);
  return new VaultRequestError(status, path, errors);
}
