// relation-ids / relation-list / relation-get / relation-set. Data goes to relation-set as JSON on
// stdin (`--file -`), never in argv: values can be tokens.
import { runHookToolJson, runHookTool } from "../runner.js";

export type Databag = Record<string, string>;

/** Only the keys whose value differs from the bag's current content (Juju deletes on ""). */
export function changedKeys(current: Databag, desired: Databag): Databag {
  return Object.fromEntries(Object.entries(desired).filter(([key, value]) => (current[key] ?? "") !== value));
}

export function relationIds(endpoint: string): number[] {
  const ids = runHookToolJson<string[] | null>("relation-ids", [endpoint]) ?? [];
  return ids.map((id) => Number(id.slice(id.lastIndexOf(":") + 1)));
}

/** Remote units currently in scope of the relation. */
export function relationUnits(relationId: number): string[] {
  return runHookToolJson<string[] | null>("relation-list", ["-r", String(relationId)]) ?? [];
}

/** The remote application's name (own app for peer relations). */
export function relationRemoteApp(relationId: number): string | null {
  return runHookToolJson<string | null>("relation-list", ["-r", String(relationId), "--app"]);
}

/** The whole databag of a unit, or of an application with `app: true`. */
export function relationGet(relationId: number, member: string, options: { app?: boolean } = {}): Databag {
  const args = ["-r", String(relationId), ...(options.app ? ["--app"] : []), "-", member];
  return runHookToolJson<Databag | null>("relation-get", args) ?? {};
}

/** Writes keys; an empty string deletes a key. App data needs leadership. */
export function relationSet(relationId: number, data: Databag, options: { app?: boolean } = {}): void {
  if (Object.keys(data).length === 0) return;
  const args = ["-r", String(relationId), ...(options.app ? ["--app"] : []), "--file", "-"];
  runHookTool("relation-set", args, { input: JSON.stringify(data) });
}
