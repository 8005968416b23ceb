// The test cluster as this "machine" sees it: the descriptor named by config, what the provider
// advertises from it, and the members' reload of the truststore through the control socket.
import { readFileSync } from "node:fs";
import { callControl, type ClusterDescriptor } from "../../control.js";
import { sha256 } from "../../truststore.js";

export interface ProviderConfig {
  descriptor: ClusterDescriptor;
  caPem: string;
  /** The client URLs to publish: all members, or those `advertised-members` names. */
  uris: string[];
}

/** The config, or why it cannot be used (shown in status as is). */
export function readProviderConfig(config: Record<string, unknown>): ProviderConfig | string {
  const path = typeof config.cluster === "string" ? config.cluster : "";
  if (!path) return "set config cluster to the path of the test cluster's cluster.json";
  let descriptor: ClusterDescriptor;
  let caPem: string;
  try {
    descriptor = JSON.parse(readFileSync(path, "utf8")) as ClusterDescriptor;
    caPem = readFileSync(descriptor.caFile, "utf8").replace(/\r\n/g, "\n").trim();
  } catch (error) {
    return `cannot read cluster descriptor ${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
  const extra = typeof config["extra-ca"] === "string" ? config["extra-ca"].trim() : "";
  const members = typeof config["advertised-members"] === "string" ? config["advertised-members"].trim() : "";
  let uris = descriptor.endpoints;
  if (members) {
    const indexes = members.split(",").map((s) => Number(s.trim()));
    if (!indexes.every((i) => Number.isInteger(i) && descriptor.endpoints[i])) {
      return `advertised-members "${members}" is not a list of member indexes 0..${descriptor.endpoints.length - 1}`;
    }
    uris = indexes.map((i) => descriptor.endpoints[i]!);
  }
  return { descriptor, caPem: extra ? `${caPem}\n${extra}` : caPem, uris };
}

/**
 * etcd 3.4 reads --trusted-ca-file only when it starts (see tests/etcd/cluster.ts): restart the
 * running members, one at a time, if any of them loaded another version of the file than is on
 * disk now. Checking the members rather than "did I write" also finishes the job of a hook that
 * wrote the file and then failed.
 */
export async function reloadTruststore(descriptor: ClusterDescriptor): Promise<boolean> {
  const onDisk = () => sha256(readFileSync(descriptor.truststoreFile, "utf8"));
  const stale = (members: Awaited<ReturnType<typeof callControl>>) => members.filter((m) => m.running && m.truststoreSha256 !== onDisk());
  if (stale(await callControl(descriptor.control, { op: "status" })).length === 0) return false;
  const after = await callControl(descriptor.control, { op: "rolling-restart" });
  const left = stale(after);
  if (left.length > 0) throw new Error(`members still on an old truststore after the rolling restart: ${left.map((m) => m.name).join(", ")}`);
  return true;
}
