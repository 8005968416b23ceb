// What a request does to Vault's state, in the terms of Vault's audit log (`request.operation`),
// so the charm's own count (`vault writes: N` in the debug log) and the idempotence suite's
// reading of the audit log (tests/integration/idempotence.test.ts) classify alike.

export type VaultOperation = "read" | "list" | "update" | "create" | "delete" | "patch";

/**
 * read: reads state. token: the hook's own session (log in, give the token back); Vault writes a
 * token entry for each, by design (issue 19 excludes them). lookup: Vault routes these as
 * `update` (POST) though their handlers only read: they are counted apart, never hidden.
 * write: everything else changes what Vault stores.
 */
export type RequestKind = "read" | "token" | "lookup" | "write";

const TOKEN_HOUSEKEEPING = [/^auth\/[^/]+\/login$/, /^auth\/token\/revoke-self$/, /^auth\/token\/renew-self$/];
const READ_ONLY_UPDATES = [
  /^auth\/[^/]+\/role\/[^/]+\/secret-id-accessor\/lookup$/,
  /^auth\/[^/]+\/role\/[^/]+\/secret-id\/lookup$/,
  /^sys\/wrapping\/lookup$/,
  /^sys\/capabilities-self$/,
  /^auth\/token\/lookup(-self|-accessor)?$/,
];

export function operationOf(method: string): VaultOperation {
  switch (method.toUpperCase()) {
    case "GET":
      return "read";
    case "LIST":
      return "list";
    case "DELETE":
      return "delete";
    case "PATCH":
      return "patch";
    default:
      return "update";
  }
}

export function requestKind(operation: string, path: string): RequestKind {
  const bare = path.replace(/^\/?(v1\/)?/, "").replace(/\?.*$/, "");
  if (operation === "read" || operation === "list") return "read";
  if (TOKEN_HOUSEKEEPING.some((p) => p.test(bare))) return "token";
  if (operation === "update" && READ_ONLY_UPDATES.some((p) => p.test(bare))) return "lookup";
  return "write";
}

export type RequestTally = Record<RequestKind, number> & { requests: number };

/** Every request this process sent, by kind: one process is one hook. */
export const requestTally: RequestTally = { requests: 0, read: 0, token: 0, lookup: 0, write: 0 };

export function countRequest(method: string, path: string): void {
  requestTally.requests += 1;
  requestTally[requestKind(operationOf(method), path)] += 1;
}

/** The debug line an operator greps for: `vault writes: N` first, then the rest of the tally. */
export function describeTally(t: RequestTally = requestTally): string {
  return `vault writes: ${t.write} (requests: ${t.requests}, reads: ${t.read}, lookups: ${t.lookup}, token login/revoke: ${t.token})`;
}
