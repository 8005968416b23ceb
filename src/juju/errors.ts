// Typed failures of hook tools. Juju reports every failure as `ERROR <message>` on stderr with exit
// code 2 (usage) or 1 (run time); the message is the only discriminator, as in ops' _ModelBackend.

export class HookToolError extends Error {
  constructor(
    readonly tool: string,
    readonly exitCode: number | null,
    /** Juju's message with the `ERROR ` prefix removed; never contains content we sent. */
    readonly detail: string,
  ) {
    super(`${tool} failed (exit ${exitCode ?? "signal"}): ${detail}`);
    this.name = new.target.name;
  }
}

/** The relation id is unknown to Juju, or the relation is gone (relation-broken, removed app). */
export class RelationNotFoundError extends HookToolError {}

/** The secret does not exist, or this unit cannot see it (no grant, not owner). */
export class SecretNotFoundError extends HookToolError {}

/** secret-add: this owner already has a secret with that label (Juju: `secret with label "x" already exists`). */
export class SecretLabelTakenError extends HookToolError {}

/** Juju refused: not the leader, not the owner, no permission. */
export class PermissionDeniedError extends HookToolError {}

/** The tool is not on PATH: we are not running inside a hook. */
export class HookToolMissingError extends HookToolError {}

const PERMISSION_MARKERS = [
  "not the leader",
  "permission denied",
  "access denied",
  "cannot write relation settings",
  "cannot read",
];

/** Picks the error class for a failed tool call from Juju's stderr text. */
export function classifyHookToolFailure(tool: string, exitCode: number | null, stderr: string): HookToolError {
  const detail = stderr.trim().replace(/^ERROR\s+/, "");
  const lower = detail.toLowerCase();
  if (lower.includes("relation not found")) return new RelationNotFoundError(tool, exitCode, detail);
  if (tool.startsWith("secret-") && lower.includes("not found")) return new SecretNotFoundError(tool, exitCode, detail);
  if (tool === "secret-add" && lower.includes("label") && lower.includes("already exists")) return new SecretLabelTakenError(tool, exitCode, detail);
  if (PERMISSION_MARKERS.some((m) => lower.includes(m))) return new PermissionDeniedError(tool, exitCode, detail);
  return new HookToolError(tool, exitCode, detail);
}
