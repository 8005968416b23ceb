// Shared first step of every KV action: parse the target, check it names this charm's Vault and a
// mount the charm manages, and find the mount's KV version. Nothing reaches Vault before this passes.
import { isManagedName } from "../../relations/vault-kv/naming.js";
import type { VaultClient } from "../../vault/client.js";
import { VaultRequestError } from "../../vault/errors.js";
import { listMounts } from "../../vault/sys.js";
import { ActionError, requireLeader, stringParam, type ActionContext } from "../index.js";
import { KvTargetError, parseKvTarget, type KvTarget } from "./target.js";

export interface OpenKv {
  vault: VaultClient;
  target: KvTarget;
  kvVersion: 1 | 2;
  /** `<mount>/<path>` for messages and results. */
  where: string;
}

/** The name references use for the Vault this charm operates. */
export function configuredVaultName(ctx: ActionContext): "local" | "external" {
  return ctx.hook.config.vaultUrl ? "external" : "local";
}

export function parseTargetParam(ctx: ActionContext, folder = false): KvTarget {
  try {
    const target = parseKvTarget(stringParam(ctx.params, "path"), { folder });
    const mine = configuredVaultName(ctx);
    if (target.vaultName !== null && target.vaultName !== mine) {
      const why = mine === "local" ? "no external Vault is configured (vault-url is empty)" : "this charm uses an external Vault (vault-url is set)";
      throw new ActionError(`the reference names Vault "${target.vaultName}", but ${why}: use vault.secret(${mine}:...)`);
    }
    return target;
  } catch (error) {
    if (error instanceof KvTargetError) throw new ActionError(`path: ${error.message}`);
    throw error;
  }
}

export async function openKv(ctx: ActionContext, action: string, options: { folder?: boolean; needsV2?: boolean } = {}): Promise<OpenKv> {
  requireLeader(ctx.hook, action);
  const target = parseTargetParam(ctx, options.folder);
  const prefix = ctx.hook.config.kvMountPrefix;
  if (!isManagedName(target.mount, prefix)) {
    throw new ActionError(`${action} works only on mounts this charm manages (names start with ${prefix}); ${target.mount} is not one`);
  }
  const vault = await ctx.charmVault();
  const mounts = await listMounts(vault);
  const mount = mounts[target.mount];
  if (!mount) {
    const managed = Object.keys(mounts).filter((name) => isManagedName(name, prefix)).sort();
    throw new ActionError(`there is no mount ${target.mount}; managed mounts: ${managed.join(", ") || "none yet"}`);
  }
  if (mount.type !== "kv") throw new ActionError(`${target.mount} is a ${mount.type} mount, not KV`);
  const kvVersion = mount.version === "2" ? 2 : 1;
  if (options.needsV2 && kvVersion !== 2) throw new ActionError(`${action} needs KV version 2; ${target.mount} is KV version 1, which keeps no versions`);
  return { vault, target, kvVersion, where: target.path ? `${target.mount}/${target.path}` : target.mount };
}

/** Optional integer parameter (kv-get version, kv-put cas). */
export function optionalInteger(params: Record<string, unknown>, name: string, min: number): number | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) throw new ActionError(`parameter ${name} must be a whole number of at least ${min}`);
  return value;
}

/** Vault's text for a refused KV call, for the operator (Vault's errors name paths, never values). */
export function kvFailure(error: unknown, where: string): never {
  if (error instanceof VaultRequestError) {
    throw new ActionError(`Vault refused the operation on ${where}: ${error.errors.join("; ") || `status ${error.status}`}`);
  }
  throw error;
}
