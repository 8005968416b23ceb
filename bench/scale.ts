// vault-kv at scale: N consumer units (both dialects, two applications from N = 10), provisioned
// through the simulator on a real HashiCorp Vault with a file audit device that counts every Vault
// request. Per N: the converged leader's update-status (wall time, hook-tool calls, Vault requests),
// what one more unit costs the vault unit, the whole provisioning and the vault unit's share of it,
// and the peak RSS of the update-status hook's own process. Each figure
// is also given as a ratio to N = 1 from the same run. `--charm <dir>` measures another build of
// the charm (an older commit's checkout, built) with the same requirer and the same steps.
// `--fleet-at-once` (with `--charm` only) brings a baseline whose every hook serves every unit, so
// that provisioning is quadratic (hours at N = 1,000), to N: the vault unit is held while the fleet
// joins, then meets it in one relation-changed per relation (Sim.skipQueuedRelationHooks, not Juju).
// Its provisioning is then not measured; every figure after it is the converged charm's as usual.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sim } from "../tests/sim/controller.js";
import { projectRoot } from "../tests/sim/paths.js";
import { requestKind } from "../src/vault/request-kinds.js";
import { deployServingVault } from "../tests/sim/ready-vault.js";
import { findWorkloadBinary } from "../tests/sim/workload-binary.js";
import { hookPeakRss } from "./hook-rss.js";

const REQUIRER = join(projectRoot(), "bench", "requirer");

export interface ScaleRow {
  n: number;
  dialect: string;
  updateMs: number;
  updateCalls: number;
  updateRequests: number;
  updateWrites: number;
  /** The hourly update-status that takes nothing from the last hook (src/hook-memo.ts). */
  hourlyCalls: number;
  hourlyRequests: number;
  addMs: number;
  addModelMs: number;
  /** Of addMs, the simulator's own time answering the vault unit's tool calls (Juju's, on a real unit). */
  addServeMs: number;
  addCalls: number;
  addRequests: number;
  provisionS: number;
  /** Of provisionS, the vault unit's own hooks: on a real model the requirer units run theirs on their own machines. */
  provisionVaultS: number;
  provisionVaultCalls: number;
  provisionVaultRequests: number;
  rssMiB: number;
  /** Provisioned by the baseline shortcut: the provisioning figures are not Juju's and are not printed. */
  fleetAtOnce: boolean;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Audit log entries of type request since `offset` lines: all of them, and those that change what
 * Vault stores, classified as the charm's own count is (src/vault/request-kinds.ts): look-ups Vault
 * routes as updates are not writes; the hook's login and revoke-self are.
 */
function auditSince(file: string, offset: number): { requests: number; writes: number; lines: number } {
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  let requests = 0;
  let writes = 0;
  for (const line of lines.slice(offset)) {
    const entry = JSON.parse(line) as { type?: string; request?: { operation?: string; path?: string } };
    if (entry.type !== "request") continue;
    requests += 1;
    const kind = requestKind(entry.request?.operation ?? "", entry.request?.path ?? "");
    if (kind === "write" || kind === "token") writes += 1;
  }
  return { requests, writes, lines: lines.length };
}

/** The vault unit's hooks since run `from`: their wall time, the simulator's share of it answering their tool calls, and those calls. */
function vaultHooks(sim: Sim, from: number): { ms: number; serveMs: number; calls: number } {
  const runs = sim.runs.slice(from).filter((r) => r.unit === "vault/0");
  return {
    ms: runs.reduce((t, r) => t + r.durationMs, 0),
    serveMs: runs.reduce((t, r) => t + r.toolCalls.reduce((c, call) => c + call.ms, 0), 0),
    calls: runs.reduce((t, r) => t + r.toolCalls.length, 0),
  };
}

async function readyVault(sim: Sim, charm: string): Promise<{ audit: string }> {
  const { root } = await deployServingVault(sim, charm);
  const audit = join(sim.paths.dir, "audit.log");
  await root.request("PUT", "sys/audit/bench", { body: { type: "file", options: { file_path: audit } } });
  return { audit };
}

export async function measureScale(n: number, dialect: "v0" | "legacy", charm: string, binary: string, fleetAtOnce = false): Promise<ScaleRow> {
  const sim = await Sim.open(mkdtempSync(join(tmpdir(), `vault-scale-${dialect}-${n}-`)), { vaultBinary: binary });
  try {
    const { audit } = await readyVault(sim, charm);
    const apps = n >= 10 ? ["fleet-a", "fleet-b"] : ["fleet-a"];
    const provisionOffset = auditSince(audit, 0).lines;
    const provisionBefore = sim.runs.length;
    const started = performance.now();
    if (fleetAtOnce) sim.hold("vault/0");
    for (const [i, app] of apps.entries()) {
      const units = Math.floor(n / apps.length) + (i < n % apps.length ? 1 : 0);
      await sim.deploy(REQUIRER, { app, units, config: { dialect } });
      await sim.integrate(dialect === "legacy" ? "vault:secrets" : "vault:vault-kv", `${app}:vault`);
    }
    if (fleetAtOnce) {
      sim.skipQueuedRelationHooks("vault/0");
      await sim.release("vault/0");
    }
    const provisionS = (performance.now() - started) / 1000;
    const provisionVault = { ...vaultHooks(sim, provisionBefore), requests: auditSince(audit, provisionOffset).requests };
    const failed = Object.values(sim.model.units).filter((u) => u.errorHook).map((u) => u.name);
    if (failed.length) throw new Error(`hooks failed while provisioning: ${failed.join(", ")}`);

    // Converged update-status: three runs, medians; the audit log says what Vault was asked.
    const samples: { ms: number; calls: number; requests: number; writes: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const offset = auditSince(audit, 0).lines;
      const before = sim.runs.length;
      await sim.runHook("vault/0", "update-status");
      const run = sim.runs.slice(before).find((r) => r.unit === "vault/0" && r.name === "update-status")!;
      const { requests, writes } = auditSince(audit, offset);
      samples.push({ ms: run.durationMs, calls: run.toolCalls.length, requests, writes });
    }
    // The hourly full look: the memo aged past its hour, as an update-status an hour on finds it.
    const memo = join(sim.unit("vault/0").dataDir, "var/lib/vault-charm/hook-memo.json");
    if (existsSync(memo)) writeFileSync(memo, JSON.stringify({ ...(JSON.parse(readFileSync(memo, "utf8")) as object), at: Date.now() - 2 * 3600_000 }));
    const hourlyOffset = auditSince(audit, 0).lines;
    const hourlyBefore = sim.runs.length;
    await sim.runHook("vault/0", "update-status");
    const hourly = { calls: sim.runs.slice(hourlyBefore).find((r) => r.unit === "vault/0" && r.name === "update-status")!.toolCalls.length, requests: auditSince(audit, hourlyOffset).requests };
    // One more unit, three times (medians, so one sample slowed by other work on the machine does
    // not make the figure): every hook the vault unit runs for it.
    const adds: { ms: number; serveMs: number; modelMs: number; calls: number; requests: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const offset = auditSince(audit, 0).lines;
      const before = sim.runs.length;
      const addStarted = performance.now();
      await sim.addUnit(apps[0]!);
      // The vault unit's own hooks, apart from the whole model's wall time, which also holds the
      // requirer units' relation-changed that Juju fans out when the provider's app bag changes.
      adds.push({ ...vaultHooks(sim, before), modelMs: performance.now() - addStarted, requests: auditSince(audit, offset).requests });
    }

    // The hook's own peak RSS (bench/hook-rss.ts), the largest of three converged update-status runs.
    const rssMiB = Math.round(Math.max(...(await hookPeakRss(sim, "vault/0", "update-status", 3))));
    return {
      n,
      dialect,
      updateMs: median(samples.map((s) => s.ms)),
      updateCalls: median(samples.map((s) => s.calls)),
      updateRequests: median(samples.map((s) => s.requests)),
      updateWrites: median(samples.map((s) => s.writes)),
      hourlyCalls: hourly.calls,
      hourlyRequests: hourly.requests,
      addMs: median(adds.map((a) => a.ms)),
      addModelMs: median(adds.map((a) => a.modelMs)),
      addServeMs: median(adds.map((a) => a.serveMs)),
      addCalls: median(adds.map((a) => a.calls)),
      addRequests: median(adds.map((a) => a.requests)),
      provisionS,
      provisionVaultS: provisionVault.ms / 1000,
      provisionVaultCalls: provisionVault.calls,
      provisionVaultRequests: provisionVault.requests,
      rssMiB,
      fleetAtOnce,
    };
  } finally {
    await sim.destroy();
  }
}

function ratio(value: number, base: number): string {
  return base > 0 ? `${(value / base).toFixed(2)}x` : "-";
}

/** A provisioning figure per consumer unit, as a ratio to N = 1's: 1.00x is linear in N. */
function perUnit(row: ScaleRow, base: ScaleRow, figure: (r: ScaleRow) => number): string {
  return ratio(figure(row) / row.n, figure(base) / base.n);
}

export async function runScaleBenchmark(opts: { sizes: number[]; charm?: string; dialects: ("v0" | "legacy")[]; fleetAtOnce?: boolean }): Promise<void> {
  const server = findWorkloadBinary();
  if (server.implementation !== "vault") throw new Error("the scale benchmark counts requests with a file audit device enabled at run time, which needs HashiCorp Vault (scripts/install-vault.sh)");
  const charm = opts.charm ?? projectRoot();
  process.stdout.write(`vault-kv at scale on ${server.implementation}, charm ${charm === projectRoot() ? "this tree" : charm}${opts.fleetAtOnce ? ", the fleet met at once (provisioning not measured)" : ""}\n`);
  for (const dialect of opts.dialects) {
    const rows: ScaleRow[] = [];
    process.stdout.write(`\n${dialect}: N | update-status ms, tool calls, Vault requests (writes); the hourly full look | one more unit (median of 3): vault hooks ms (whole model s), tool calls, Vault requests | provisioning: whole model s; the vault unit's hooks s, tool calls, Vault requests | peak RSS MiB   (ratios to N = 1; provisioning's per unit)\n`);
    for (const n of opts.sizes) {
      const row = await measureScale(n, dialect, charm, server.path, opts.fleetAtOnce ?? false);
      rows.push(row);
      process.stdout.write(formatScaleRow(row, rows[0]!) + "\n");
    }
  }
}

/** One row of the table: the figures of N, each with its ratio to `base` (N = 1). */
export function formatScaleRow(row: ScaleRow, base: ScaleRow): string {
  return [
    `${String(row.n).padStart(5)}`,
    `${row.updateMs.toFixed(0)} ms (${ratio(row.updateMs, base.updateMs)}), ${row.updateCalls} calls (${ratio(row.updateCalls, base.updateCalls)}), ${row.updateRequests} requests (${row.updateWrites} writes); hourly ${row.hourlyCalls} calls, ${row.hourlyRequests} requests`,
    `${row.addMs.toFixed(0)} ms (${ratio(row.addMs, base.addMs)}; simulator serving its calls ${row.addServeMs.toFixed(0)} ms; model ${(row.addModelMs / 1000).toFixed(1)} s), ${row.addCalls} calls (${ratio(row.addCalls, base.addCalls)}), ${row.addRequests} requests (${ratio(row.addRequests, base.addRequests)})`,
    row.fleetAtOnce ? "provisioning not measured (fleet met at once)" : `${row.provisionS.toFixed(1)} s (${perUnit(row, base, (r) => r.provisionS)}); vault unit ${row.provisionVaultS.toFixed(1)} s (${perUnit(row, base, (r) => r.provisionVaultS)}), ${row.provisionVaultCalls} calls (${perUnit(row, base, (r) => r.provisionVaultCalls)}), ${row.provisionVaultRequests} requests (${perUnit(row, base, (r) => r.provisionVaultRequests)})`,
    `${row.rssMiB} MiB (${ratio(row.rssMiB, base.rssMiB)})`,
  ].join(" | ");
}
