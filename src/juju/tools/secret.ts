// Juju secret tools. Content always travels through files (`key#file=<path>`), never argv; the
// files live in a private directory that is removed before the call returns.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runHookTool, runHookToolJson } from "../runner.js";

export type SecretContent = Record<string, string>;
export type RotatePolicy = "never" | "hourly" | "daily" | "weekly" | "monthly" | "quarterly" | "yearly";

/** Juju's rule for secret content keys (core/secrets). */
export const SECRET_KEY_PATTERN = /^[a-z](?:-?[a-z0-9]){2,}$/;

export interface SecretMetadataOptions {
  label?: string;
  description?: string;
  /** RFC3339 time or Go duration. */
  expire?: string;
  rotate?: RotatePolicy;
}

export interface SecretInfo {
  id: string;
  revision: number;
  label?: string;
  owner?: string;
  rotation?: string;
  expiry?: string;
  rotates?: string;
}

function metadataArgs(options: SecretMetadataOptions): string[] {
  const args: string[] = [];
  if (options.label !== undefined) args.push("--label", options.label);
  if (options.description !== undefined) args.push("--description", options.description);
  if (options.expire !== undefined) args.push("--expire", options.expire);
  if (options.rotate !== undefined) args.push("--rotate", options.rotate);
  return args;
}

/** Runs `tool` with content passed as key#file= arguments pointing into a 0700 temp dir. */
function withContentFiles<T>(content: SecretContent, call: (contentArgs: string[]) => T): T {
  const keys = Object.keys(content);
  for (const key of keys) {
    if (!SECRET_KEY_PATTERN.test(key)) throw new Error(`secret content key ${JSON.stringify(key)} is not valid for Juju`);
  }
  if (keys.length === 0) return call([]);
  const dir = mkdtempSync(join(tmpdir(), "vault-charm-secret-"));
  try {
    const args = keys.map((key) => {
      const path = join(dir, key);
      writeFileSync(path, content[key]!, { mode: 0o600 });
      return `${key}#file=${path}`;
    });
    return call(args);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Creates a secret owned by the application (leader only) or by this unit; returns its URI. */
export function secretAdd(
  content: SecretContent,
  options: SecretMetadataOptions & { owner?: "application" | "unit" } = {},
): string {
  if (Object.keys(content).length === 0) throw new Error("a secret needs at least one content key");
  return withContentFiles(content, (contentArgs) =>
    runHookTool("secret-add", ["--owner", options.owner ?? "application", ...metadataArgs(options), ...contentArgs]).trim(),
  );
}

/** Writes a new revision (when content is given) and/or metadata of an owned secret. */
export function secretSet(id: string, content: SecretContent | null, options: SecretMetadataOptions = {}): void {
  withContentFiles(content ?? {}, (contentArgs) => runHookTool("secret-set", [id, ...metadataArgs(options), ...contentArgs]));
}

export interface SecretGetOptions {
  id?: string;
  label?: string;
  /** Latest revision without tracking it. */
  peek?: boolean;
  /** Latest revision, and track it from now on. */
  refresh?: boolean;
}

export function secretGet(options: SecretGetOptions): SecretContent {
  const args: string[] = [];
  if (options.id) args.push(options.id);
  if (options.label) args.push("--label", options.label);
  if (options.peek) args.push("--peek");
  if (options.refresh) args.push("--refresh");
  return runHookToolJson<SecretContent | null>("secret-get", args) ?? {};
}

export function secretInfoGet(selector: { id: string } | { label: string }): SecretInfo {
  const args = "id" in selector ? [selector.id] : ["--label", selector.label];
  const raw = runHookToolJson<Record<string, Omit<SecretInfo, "id">>>("secret-info-get", args) ?? {};
  const [id, info] = Object.entries(raw)[0] ?? [];
  if (!id || !info) throw new Error("secret-info-get returned no secret");
  return { id, ...info };
}

export function secretIds(): string[] {
  return runHookToolJson<string[] | null>("secret-ids", []) ?? [];
}

export function secretGrant(id: string, relationId: number, unit?: string): void {
  runHookTool("secret-grant", [id, "--relation", String(relationId), ...(unit ? ["--unit", unit] : [])]);
}

export function secretRevoke(id: string, relationId: number, unit?: string): void {
  runHookTool("secret-revoke", [id, "--relation", String(relationId), ...(unit ? ["--unit", unit] : [])]);
}

/** Removes one revision, or the whole secret when no revision is given. */
export function secretRemove(id: string, revision?: number): void {
  runHookTool("secret-remove", [id, ...(revision === undefined ? [] : ["--revision", String(revision)])]);
}
