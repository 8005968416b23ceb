// Consumer secret-ids carry the charm's generation number in their Vault metadata, so the charm
// can tell which credential is current and retire older ones without guessing.
import { createHash } from "node:crypto";
import { destroySecretIdByAccessor, listSecretIdAccessors, readSecretIdByAccessor } from "../../vault/approle.js";
import type { VaultClient } from "../../vault/client.js";
import { isWorkerSecretId } from "../../worker-secret-ids.js";
import { CONSUMER_APPROLE_MOUNT } from "./vault-objects.js";

export interface LiveSecretId {
  accessor: string;
  generation: number;
  /** Unique to one issue: a hook killed after issuing leaves a secret-id of the same generation. */
  issue: string;
}

export function inputsHash(inputs: unknown): string {
  return createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 16);
}

export function secretIdMetadata(unit: string, generation: number, issue?: string): Record<string, string> {
  return { "juju-unit": unit, generation: String(generation), ...(issue ? { issue } : {}) };
}

export async function liveSecretIds(vault: VaultClient, role: string): Promise<LiveSecretId[]> {
  const live: LiveSecretId[] = [];
  for (const accessor of await listSecretIdAccessors(vault, CONSUMER_APPROLE_MOUNT, role)) {
    const metadata = await readSecretIdByAccessor(vault, CONSUMER_APPROLE_MOUNT, role, accessor);
    // A worker's secret-id (generate-secret-id) is not the consumer's to retire.
    if (metadata && !isWorkerSecretId(metadata)) live.push({ accessor, generation: Number(metadata.generation ?? 0), issue: metadata.issue ?? "" });
  }
  return live;
}

export async function destroySecretIds(vault: VaultClient, role: string, accessors: string[]): Promise<void> {
  for (const accessor of accessors) await destroySecretIdByAccessor(vault, CONSUMER_APPROLE_MOUNT, role, accessor);
}
