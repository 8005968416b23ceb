// Leadership, config, networking and ports of the running unit.
import { runHookTool, runHookToolJson } from "../runner.js";

export function isLeader(): boolean {
  return runHookToolJson<boolean>("is-leader", []) === true;
}

/** Options set by the operator plus non-null defaults, as config-get returns them. */
export function getConfig(): Record<string, unknown> {
  return runHookToolJson<Record<string, unknown> | null>("config-get", []) ?? {};
}

export interface NetworkInfo {
  bindAddresses: string[];
  ingressAddresses: string[];
  egressSubnets: string[];
}

interface RawNetworkInfo {
  "bind-addresses"?: { addresses?: { value?: string }[] }[];
  "ingress-addresses"?: string[];
  "egress-subnets"?: string[];
}

export function networkGet(binding: string, relationId?: number): NetworkInfo {
  const args = relationId === undefined ? [binding] : ["-r", String(relationId), binding];
  const raw = runHookToolJson<RawNetworkInfo>("network-get", args) ?? {};
  return {
    bindAddresses: (raw["bind-addresses"] ?? []).flatMap((b) => (b.addresses ?? []).map((a) => a.value ?? "")).filter(Boolean),
    ingressAddresses: raw["ingress-addresses"] ?? [],
    egressSubnets: raw["egress-subnets"] ?? [],
  };
}

export function unitGet(key: "private-address" | "public-address"): string {
  return runHookToolJson<string>("unit-get", [key]) ?? "";
}

export function openPort(port: number, protocol: "tcp" | "udp" = "tcp"): void {
  runHookTool("open-port", [`${port}/${protocol}`]);
}

export function closePort(port: number, protocol: "tcp" | "udp" = "tcp"): void {
  runHookTool("close-port", [`${port}/${protocol}`]);
}

export function openedPorts(): string[] {
  return runHookToolJson<string[] | null>("opened-ports", []) ?? [];
}

export function jujuLog(level: "DEBUG" | "INFO" | "WARNING" | "ERROR", message: string): void {
  runHookTool("juju-log", ["--log-level", level, "--", message]);
}
