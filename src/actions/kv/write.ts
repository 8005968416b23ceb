// kv-put and the KV v2 version operations: delete, undelete, destroy, delete-metadata. Each checks
// the entry and versions first, so a mistyped version fails clearly instead of being ignored by
// Vault. Results and logs name paths and versions, never values.
import { kv1, kv2, type KvData, type KvMetadata } from "../../vault/kv.js";
import { ActionError, type ActionContext } from "../index.js";
import { kvFailure, openKv, optionalInteger, type OpenKv } from "./open.js";
import { KvTargetError, parseKvData, parseVersions } from "./target.js";

function parsed<T>(parse: () => T, param: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof KvTargetError) throw new ActionError(`${param}: ${error.message}`);
    throw error;
  }
}

/** The entry's metadata, or a clear failure when it does not exist. */
async function existingMetadata(kv: OpenKv): Promise<KvMetadata> {
  const meta = await kv2.metadata(kv.vault, kv.target.mount, kv.target.path).catch((error: unknown) => kvFailure(error, kv.where));
  if (!meta) throw new ActionError(`${kv.where} does not exist`);
  return meta;
}

function requiredParam(params: Record<string, unknown>, name: string): unknown {
  const value = params[name];
  if (value === undefined || value === null || value === "") throw new ActionError(`parameter ${name} is required`);
  return value;
}

function checkVersionsExist(meta: KvMetadata, versions: number[], where: string): void {
  const known = new Set(meta.versions.map((v) => v.version));
  const missing = versions.filter((v) => !known.has(v));
  if (missing.length) throw new ActionError(`${where} has no version ${missing.join(", ")} (kept: ${[...known].join(", ")})`);
}

async function guarded<T>(kv: OpenKv, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ActionError) throw error;
    return kvFailure(error, kv.where);
  }
}

/**
 * With a reference naming a key, `data` is that key's new value (a scalar: `juju run` may deliver
 * `data=5` as a number, kept as the text 5) and the entry's other keys stay.
 */
async function entryToWrite(kv: OpenKv, data: unknown): Promise<{ value: KvData; readVersion: number | null }> {
  if (kv.target.key === null) return { value: parsed(() => parseKvData(data), "data") as KvData, readVersion: null };
  if (data === null || typeof data === "object") throw new ActionError(`data: ${kv.target.key} is one key, so data is its value, not a map`);
  const raw = String(data);
  if (raw.trim() === "") throw new ActionError("parameter data is required");
  const { mount, path } = kv.target;
  if (kv.kvVersion === 1) return { value: { ...((await kv1.read(kv.vault, mount, path)) ?? {}), [kv.target.key]: raw }, readVersion: null };
  const meta = await kv2.metadata(kv.vault, mount, path);
  const current = meta ? await kv2.read(kv.vault, mount, path) : null;
  // The read version becomes the check-and-set, so a concurrent writer's change is never overwritten.
  return { value: { ...(current?.data ?? {}), [kv.target.key]: raw }, readVersion: meta?.currentVersion ?? 0 };
}

export async function kvPut(ctx: ActionContext): Promise<Record<string, unknown>> {
  const kv = await openKv(ctx, "kv-put");
  const data = ctx.params.data;
  if (data === undefined || data === null || data === "") throw new ActionError("parameter data is required");
  const cas = optionalInteger(ctx.params, "cas", 0);
  if (cas !== undefined && kv.kvVersion === 1) throw new ActionError(`cas needs KV version 2; ${kv.target.mount} is KV version 1`);
  const { mount, path } = kv.target;
  return guarded(kv, async () => {
    const { value, readVersion } = await entryToWrite(kv, data);
    if (kv.kvVersion === 1) {
      await kv1.write(kv.vault, mount, path, value);
      ctx.hook.log.info(`kv-put: wrote ${Object.keys(value).length} keys to ${kv.where}`);
      return { mount, path, keys: String(Object.keys(value).length) };
    }
    const version = await kv2.write(kv.vault, mount, path, value, cas ?? readVersion ?? undefined);
    ctx.hook.log.info(`kv-put: wrote version ${version} of ${kv.where} (${Object.keys(value).length} keys)`);
    return { mount, path, version: String(version), keys: String(Object.keys(value).length) };
  });
}

export async function kvDelete(ctx: ActionContext): Promise<Record<string, unknown>> {
  const kv = await openKv(ctx, "kv-delete");
  const versionsParam = ctx.params.versions === "" ? undefined : ctx.params.versions;
  const { mount, path } = kv.target;
  if (kv.kvVersion === 1) {
    if (versionsParam !== undefined) throw new ActionError(`${mount} is KV version 1, which keeps no versions: drop the versions parameter`);
    return guarded(kv, async () => {
      if (!(await kv1.read(kv.vault, mount, path))) throw new ActionError(`${kv.where} does not exist`);
      await kv1.delete(kv.vault, mount, path);
      ctx.hook.log.info(`kv-delete: deleted ${kv.where} (KV v1: gone for good)`);
      return { mount, path, deleted: "entry" };
    });
  }
  const versions = versionsParam === undefined ? undefined : parsed(() => parseVersions(versionsParam), "versions");
  const meta = await existingMetadata(kv);
  if (versions) checkVersionsExist(meta, versions, kv.where);
  return guarded(kv, async () => {
    await kv2.delete(kv.vault, mount, path, versions);
    const deleted = versions ?? [meta.currentVersion];
    ctx.hook.log.info(`kv-delete: soft-deleted version ${deleted.join(", ")} of ${kv.where}`);
    return { mount, path, deleted: deleted.join(",") };
  });
}

export async function kvUndelete(ctx: ActionContext): Promise<Record<string, unknown>> {
  const kv = await openKv(ctx, "kv-undelete", { needsV2: true });
  const versions = parsed(() => parseVersions(requiredParam(ctx.params, "versions")), "versions");
  const meta = await existingMetadata(kv);
  checkVersionsExist(meta, versions, kv.where);
  const destroyed = meta.versions.filter((v) => versions.includes(v.version) && v.destroyed).map((v) => v.version);
  if (destroyed.length) throw new ActionError(`version ${destroyed.join(", ")} of ${kv.where} was destroyed and cannot be restored`);
  return guarded(kv, async () => {
    await kv2.undelete(kv.vault, kv.target.mount, kv.target.path, versions);
    ctx.hook.log.info(`kv-undelete: restored version ${versions.join(", ")} of ${kv.where}`);
    return { mount: kv.target.mount, path: kv.target.path, undeleted: versions.join(",") };
  });
}

export async function kvDestroy(ctx: ActionContext): Promise<Record<string, unknown>> {
  const kv = await openKv(ctx, "kv-destroy", { needsV2: true });
  const versions = parsed(() => parseVersions(requiredParam(ctx.params, "versions")), "versions");
  checkVersionsExist(await existingMetadata(kv), versions, kv.where);
  return guarded(kv, async () => {
    await kv2.destroy(kv.vault, kv.target.mount, kv.target.path, versions);
    ctx.hook.log.info(`kv-destroy: destroyed version ${versions.join(", ")} of ${kv.where}`);
    return { mount: kv.target.mount, path: kv.target.path, destroyed: versions.join(",") };
  });
}

export async function kvDeleteMetadata(ctx: ActionContext): Promise<Record<string, unknown>> {
  const kv = await openKv(ctx, "kv-delete-metadata", { needsV2: true });
  const meta = await existingMetadata(kv);
  return guarded(kv, async () => {
    await kv2.deleteMetadata(kv.vault, kv.target.mount, kv.target.path);
    ctx.hook.log.info(`kv-delete-metadata: removed ${kv.where} with its ${meta.versions.length} versions`);
    return { mount: kv.target.mount, path: kv.target.path, "removed-versions": String(meta.versions.length) };
  });
}
