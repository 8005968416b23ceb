// status-set / status-get / application-version-set (immediate in Juju, not buffered).
import { runHookTool, runHookToolJson } from "../runner.js";

export type SettableStatus = "maintenance" | "blocked" | "waiting" | "active";

export interface WorkloadStatus {
  status: string;
  message: string;
}

export function setUnitStatus(status: SettableStatus, message: string): void {
  runHookTool("status-set", [status, "--", message]);
}

/** Leader only: Juju refuses non-leaders with "this unit is not the leader". */
export function setAppStatus(status: SettableStatus, message: string): void {
  runHookTool("status-set", ["--application", status, "--", message]);
}

export function getUnitStatus(): WorkloadStatus {
  const raw = runHookToolJson<{ status?: string; message?: string }>("status-get", ["--include-data"]);
  return { status: raw?.status ?? "unknown", message: raw?.message ?? "" };
}

export function getAppStatus(): WorkloadStatus {
  const raw = runHookToolJson<{ "application-status"?: { status?: string; message?: string } }>("status-get", [
    "--include-data",
    "--application",
  ]);
  const app = raw?.["application-status"];
  return { status: app?.status ?? "unknown", message: app?.message ?? "" };
}

export function setWorkloadVersion(version: string): void {
  runHookTool("application-version-set", ["--", version]);
}
