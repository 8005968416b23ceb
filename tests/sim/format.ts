// Human output of the simulator: a `juju status`-like table, action results, durations.
import { stringify } from "yaml";
import type { ActionRecord, ModelState } from "./types.js";

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

export function formatStatus(model: ModelState): string {
  const apps: string[][] = [["App", "Status", "Units", "Version", "Message"]];
  const units: string[][] = [["Unit", "Workload", "Address", "Ports", "Message"]];
  for (const app of Object.values(model.apps)) {
    apps.push([app.name, app.status.status, String(app.units.length), app.workloadVersion, app.status.message]);
    for (const name of app.units) {
      const unit = model.units[name]!;
      const inError = unit.errorHook !== null;
      units.push([
        `${name}${app.leader === name ? "*" : ""}`,
        inError ? "error" : unit.status.status,
        unit.address,
        unit.openedPorts.join(","),
        inError ? `hook failed: "${unit.errorHook}"` : unit.status.message,
      ]);
    }
  }
  const relations: string[][] = [["Id", "Endpoints", "Interface"]];
  for (const rel of model.relations) {
    relations.push([String(rel.id), rel.ends.map((e) => `${e.app}:${e.endpoint}`).join(" "), rel.interface + (rel.ends.length === 1 ? " (peer)" : "")]);
  }
  const clock = model.clockOffsetMs ? `  clock +${formatDuration(model.clockOffsetMs)}` : "";
  return [`Model  ${model.name}  (simulated)${clock}`, "", table(apps), "", table(units), "", table(relations), ""].join("\n");
}

export function formatAction(record: ActionRecord): string {
  const { stdout, stderr, "return-code": code, ...results } = record.results;
  const view: Record<string, unknown> = { id: record.id, unit: record.unit, action: record.name, status: record.status };
  if (record.message) view.message = record.message;
  if (Object.keys(results).length) view.results = results;
  if (record.log.length) view.log = record.log;
  if (record.status === "failed") Object.assign(view, { "return-code": code, ...(stderr ? { stderr } : {}), ...(stdout ? { stdout } : {}) });
  return stringify(view);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "90s", "15m", "2h", "30d", "1w" -> milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration "${text}": use a number and one of ms, s, m, h, d, w`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

export function formatDuration(ms: number): string {
  for (const unit of ["w", "d", "h", "m", "s"]) if (ms >= UNITS[unit]! && ms % UNITS[unit]! === 0) return `${ms / UNITS[unit]!}${unit}`;
  return `${ms}ms`;
}

/**
 * `status --format=json`: the model without secret content, as `juju status` shows none. Each
 * secret keeps its metadata and, per revision, the names of its keys.
 */
export function redactedModel(model: ModelState): unknown {
  const secrets = Object.fromEntries(
    Object.entries(model.secrets).map(([id, s]) => [id, { ...s, revisions: s.revisions.map(({ content, ...rest }) => ({ ...rest, keys: Object.keys(content) })) }]),
  );
  return { ...model, secrets };
}

/**
 * `show-secret <name|uri|label>` as `juju show-secret` prints it: metadata, and the content of the
 * latest (or --revision) revision only with --reveal.
 */
export function showSecret(model: ModelState, query: string, opts: { reveal?: boolean; revision?: number } = {}): Record<string, unknown> {
  const id = query.replace(/^secret:(\/\/[^/]+\/)?/, "");
  const secret = Object.values(model.secrets).find((s) => s.id === id || s.name === query || s.label === query);
  if (!secret) throw new Error(`secret "${query}" not found`);
  const latest = secret.revisions[secret.revisions.length - 1]!;
  const view: Record<string, unknown> = {
    revision: latest.revision,
    owner: secret.ownerKind === "model" ? "<model>" : secret.owner,
    ...(secret.name ? { name: secret.name } : {}),
    ...(secret.label ? { label: secret.label } : {}),
    ...(secret.description ? { description: secret.description } : {}),
    ...(secret.rotatePolicy ? { rotation: secret.rotatePolicy } : {}),
    ...(secret.nextRotateAt ? { rotates: secret.nextRotateAt } : {}),
    ...(latest.expireAt ? { expires: latest.expireAt } : {}),
    created: secret.revisions[0]!.createdAt,
  };
  if (opts.reveal) {
    const wanted = opts.revision ?? latest.revision;
    const revision = secret.revisions.find((r) => r.revision === wanted);
    if (!revision) throw new Error(`secret revision ${wanted} not found`);
    view.content = Object.fromEntries(Object.entries(revision.content).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
  }
  return { [secret.id]: view };
}
