// Reading Vault's file audit device for the idempotence suite: which requests a hook sent, each
// classified as the charm classifies its own (src/vault/request-kinds.ts), and a run of one hook a
// second time on a converged model with what it sent and what the charm says it sent.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requestKind, type RequestKind } from "../../src/vault/request-kinds.js";
import type { VaultClient } from "../../src/vault/client.js";
import type { Sim } from "../sim/controller.js";
import { WORKLOAD_EXTRA_CONFIG } from "../sim/shims.js";

export interface AuditedRequest {
  operation: string;
  path: string;
  kind: RequestKind;
}

export class AuditLog {
  constructor(readonly file: string) {}

  offset(): number {
    return existsSync(this.file) ? statSync(this.file).size : 0;
  }

  /** Requests (not responses) logged after `offset`. */
  requestsSince(offset: number): AuditedRequest[] {
    if (!existsSync(this.file)) return [];
    const text = readFileSync(this.file).subarray(offset).toString("utf8");
    const out: AuditedRequest[] = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      const entry = JSON.parse(line) as { type?: string; request?: { operation?: string; path?: string } };
      if (entry.type !== "request" || !entry.request) continue;
      const operation = entry.request.operation ?? "";
      const path = entry.request.path ?? "";
      out.push({ operation, path, kind: requestKind(operation, path) });
    }
    return out;
  }
}

/** HCL of a file audit device, for a server that takes audit devices only from config (OpenBao). */
export function auditStanza(file: string): string {
  return ["", 'audit "file" "idempotence" {', '  description = "idempotence suite"', "  options {", `    file_path = ${JSON.stringify(file)}`, "  }", "}", ""].join("\n");
}

/** OpenBao: every unit's server loads the device from the model's workload config (tests/sim/shims.ts). */
export function declareAuditInWorkloadConfig(sim: Sim, file: string): void {
  writeFileSync(join(sim.paths.shims, WORKLOAD_EXTRA_CONFIG), auditStanza(file));
}

/** HashiCorp Vault: enabled through the API with a root token (stored in Vault, so every HA node logs). */
export async function enableAuditByApi(root: VaultClient, file: string): Promise<void> {
  await root.request("PUT", "sys/audit/idempotence", { body: { type: "file", description: "idempotence suite", options: { file_path: file } } });
}

export interface HookMeasure {
  /** e.g. "secrets-relation-changed (kv-legacy/1)". */
  label: string;
  unit: string;
  /** Every hook the model ran during the second run (only the measured one, when it changed nothing). */
  ran: string[];
  requests: AuditedRequest[];
  /** What the charm itself logged for the second run (`vault writes: N`), null when it logged none. */
  charmWrites: number | null;
}

export const count = (m: HookMeasure, kind: RequestKind) => m.requests.filter((r) => r.kind === kind).length;

/** Runs `hook` on `unit` twice and measures the second run, from the audit log and the charm's log. */
export async function secondRun(sim: Sim, audit: AuditLog, unit: string, hook: string, env: Record<string, string>, label: string): Promise<HookMeasure> {
  await sim.runHook(unit, hook, env);
  const logFile = join(sim.paths.logs, `${unit.replace("/", "-")}.log`);
  const logOffset = existsSync(logFile) ? statSync(logFile).size : 0;
  const runsBefore = sim.runs.length;
  const offset = audit.offset();
  await sim.runHook(unit, hook, env);
  const requests = audit.requestsSince(offset);
  const log = readFileSync(logFile).subarray(logOffset).toString("utf8");
  const said = [...log.matchAll(/vault writes: (\d+)/g)].map((m) => Number(m[1]));
  return {
    label,
    unit,
    ran: sim.runs.slice(runsBefore).map((r) => `${r.unit} ${r.name}${r.exitCode ? ` (exit ${r.exitCode})` : ""}`),
    requests,
    charmWrites: said.length ? said.reduce((a, b) => a + b, 0) : null,
  };
}

/** One line per measured hook: requests by kind, and the writes with their paths. */
export function report(title: string, measures: HookMeasure[]): string {
  const rows = measures.map((m) => {
    const writes = m.requests.filter((r) => r.kind === "write");
    const detail = writes.length ? `  <- ${writes.map((w) => `${w.operation} ${w.path}`).join(", ")}` : "";
    return `  ${m.label.padEnd(58)} ${m.unit.padEnd(9)} requests ${String(m.requests.length).padStart(3)}  reads ${String(count(m, "read")).padStart(3)}  lookups ${String(count(m, "lookup")).padStart(2)}  login/revoke ${count(m, "token")}  writes ${writes.length}  (charm log: vault writes: ${m.charmWrites ?? "-"})${detail}`;
  });
  return [`idempotence, second run of each hook: ${title}`, ...rows].join("\n");
}
