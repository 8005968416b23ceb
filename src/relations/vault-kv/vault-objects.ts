// Idempotent Vault writes for consumers: each reads first and writes only what differs, so a hook
// with nothing to change makes no Vault writes (DESIGN.md, reconcile rules).
import { deleteRole, readRole, readRoleId, roleDifferences, writeRole, type AppRoleSettings } from "../../vault/approle.js";
import type { VaultClient } from "../../vault/client.js";
import { VaultNotFoundError } from "../../vault/errors.js";
import { normaliseHcl } from "../../vault/normalise.js";
import { deletePolicy, enableKv, putPolicy, readPolicy, type MountInfo } from "../../vault/sys.js";
import { mountDescription } from "./tenants.js";

export const CONSUMER_APPROLE_MOUNT = "approle";

export class MountConflictError extends Error {}

/** Enables a KV mount unless it exists; an existing mount of another kind or version is refused. */
export async function ensureKvMount(vault: VaultClient, mounts: Record<string, MountInfo>, path: string, version: 1 | 2, ownerApp: string): Promise<void> {
  const existing = mounts[path];
  if (!existing) {
    const description = mountDescription(ownerApp);
    await enableKv(vault, path, version, description);
    mounts[path] = { type: "kv", version: String(version), description };
    return;
  }
  if (existing.type !== "kv" || existing.version !== String(version)) {
    throw new MountConflictError(`mount ${path} exists as ${existing.type} v${existing.version}, not kv v${version}`);
  }
}

export async function ensurePolicy(vault: VaultClient, name: string, hcl: string): Promise<boolean> {
  const held = await readPolicy(vault, name);
  if (held !== null && normaliseHcl(held) === normaliseHcl(hcl)) return false;
  await putPolicy(vault, name, hcl);
  return true;
}

/** Writes the role unless Vault already holds these settings (compared in normal form); returns its role-id. */
export async function ensureRole(vault: VaultClient, name: string, settings: AppRoleSettings): Promise<string> {
  const current = await readRole(vault, CONSUMER_APPROLE_MOUNT, name);
  if (!current || roleDifferences(current, settings).length > 0) await writeRole(vault, CONSUMER_APPROLE_MOUNT, name, settings);
  return readRoleId(vault, CONSUMER_APPROLE_MOUNT, name);
}

/** Deleting the role destroys its secret-ids; deleting the policy strips any token still out. */
export async function removeConsumer(vault: VaultClient, role: string): Promise<void> {
  for (const remove of [() => deleteRole(vault, CONSUMER_APPROLE_MOUNT, role), () => deletePolicy(vault, role)]) {
    try {
      await remove();
    } catch (error) {
      if (!(error instanceof VaultNotFoundError)) throw error;
    }
  }
}
