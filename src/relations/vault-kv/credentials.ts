// Consumer secret-ids carry the charm's generation number in their Vault metadata, so the charm
// can tell which credential is current and retire older ones without guessing.
import { sha256Hex } from "../../lazy-builtins.js";
import { destroySecretIdByAccessor, listSecretIdAccessors, lookupSecretIdByAccessor } from "../../vault/approle.js";
import type { VaultClient } from "../../vault/client.js";
import { isWorkerSecretId } from "../../worker-secret-ids.js";
import type { ServeContext } from "./context.js";
import { CONSUMER_APPROLE_MOUNT, removeConsumer } from "./vault-objects.js";

export interface LiveSecretId {
  accessor: string;
  generation: number;
  /** The Juju unit it was issued for. */
  unit: string;
  /** Logins left (0: unlimited). */
  numUses: number;
  /** Unique to one issue: a hook killed after issuing leaves a secret-id of the same generation. */
  issue: string;
}

export function inputsHash(inputs: unknown): string {
  return sha256Hex(JSON.stringify(inputs)).slice(0, 16);
}

export function secretIdMetadata(unit: string, generation: number, issue?: string): Record<string, string> {
  return { "juju-unit": unit, generation: String(generation), ...(issue ? { issue } : {}) };
}

export async function liveSecretIds(vault: VaultClient, role: string): Promise<LiveSecretId[]> {
  const live: LiveSecretId[] = [];
  for (const accessor of await listSecretIdAccessors(vault, CONSUMER_APPROLE_MOUNT, role)) {
    const info = await lookupSecretIdByAccessor(vault, CONSUMER_APPROLE_MOUNT, role, accessor);
    // A worker's secret-id (generate-secret-id) is not the consumer's to retire.
    if (info && !isWorkerSecretId(info.metadata)) {
      live.push({ accessor, generation: Number(info.metadata.generation ?? 0), unit: info.metadata["juju-unit"] ?? "", numUses: info.numUses, issue: info.metadata.issue ?? "" });
    }
  }
  return live;
}

export async function destroySecretIds(vault: VaultClient, role: string, accessors: string[]): Promise<void> {
  for (const accessor of accessors) await destroySecretIdByAccessor(vault, CONSUMER_APPROLE_MOUNT, role, accessor);
}

/** A unit's previous AppRole and policy, replaced by new ones in this hook: deleting the role destroys its secret-ids. */
export async function retireRole(ctx: ServeContext, role: string, unit: string): Promise<void> {
  await removeConsumer(ctx.vault, role);
  ctx.hook.log.info(`vault-kv: removed ${role}, which ${unit} no longer uses (its secret-ids with it)`);
}
