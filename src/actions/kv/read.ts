// kv-get, kv-list, kv-versions: the read side of the KV actions. Only kv-get returns secret values
// (that is its job); nothing here logs them.
import { kv1, kv2, type KvData, type KvMetadata } from "../../vault/kv.js";
import { ActionError, optionalString, type ActionContext } from "../index.js";
import { kvFailure, openKv, optionalInteger } from "./open.js";

/** Action results are strings; non-string KV values keep their JSON form. */
function resultValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Why a KV v2 version cannot be read, from its metadata, so the operator knows what to do next. */
function unreadableVersion(meta: KvMetadata | null, where: string, version: number | undefined): string {
  if (!meta) return `${where} does not exist`;
  const wanted = version ?? meta.currentVersion;
  const info = meta.versions.find((v) => v.version === wanted);
  if (!info) return `${where} has no version ${wanted} (versions ${meta.oldestVersion}-${meta.currentVersion} are kept)`;
  if (info.destroyed) return `version ${wanted} of ${where} was destroyed and cannot be recovered`;
  if (info.deletionTime) return `version ${wanted} of ${where} was deleted at ${info.deletionTime}; kv-undelete versions=${wanted} restores it`;
  return `version ${wanted} of ${where} cannot be read`;
}

function pickKey(data: KvData, key: string | null, where: string): Record<string, unknown> {
  if (key === null) return { data: JSON.stringify(data) };
  if (!(key in data)) throw new ActionError(`${where} has no key ${JSON.stringify(key)}; its keys: ${Object.keys(data).sort().join(", ")}`);
  return { key, value: resultValue(data[key]) };
}

export async function kvGet(ctx: ActionContext): Promise<Record<string, unknown>> {
  const kv = await openKv(ctx, "kv-get");
  const version = optionalInteger(ctx.params, "version", 1);
  const keyParam = optionalString(ctx.params, "key") ?? null;
  if (keyParam !== null && kv.target.key !== null && keyParam !== kv.target.key) {
    throw new ActionError(`the reference names key ${kv.target.key} but the key parameter says ${keyParam}: give one`);
  }
  const key = keyParam ?? kv.target.key;
  const { mount, path } = kv.target;
  try {
    if (kv.kvVersion === 1) {
      if (version !== undefined) throw new ActionError(`${mount} is KV version 1, which keeps no versions: drop the version parameter`);
      const data = await kv1.read(kv.vault, mount, path);
      if (!data) throw new ActionError(`${kv.where} does not exist`);
      return { mount, path, "kv-version": "1", ...pickKey(data, key, kv.where) };
    }
    const read = await kv2.read(kv.vault, mount, path, version);
    if (!read?.data) throw new ActionError(unreadableVersion(await kv2.metadata(kv.vault, mount, path), kv.where, version));
    return {
      mount,
      path,
      "kv-version": "2",
      version: String(read.version.version),
      "created-time": read.version.createdTime,
      ...pickKey(read.data, key, kv.where),
    };
  } catch (error) {
    if (error instanceof ActionError) throw error;
    return kvFailure(error, kv.where);
  }
}

export async function kvList(ctx: ActionContext): Promise<Record<string, unknown>> {
  const kv = await openKv(ctx, "kv-list", { folder: true });
  const { mount, path } = kv.target;
  const folder = path === "" ? "" : `${path}/`;
  try {
    const keys = kv.kvVersion === 1 ? await kv1.list(kv.vault, mount, folder) : await kv2.list(kv.vault, mount, folder);
    return { mount, path: folder, count: String(keys.length), keys: JSON.stringify(keys.sort()) };
  } catch (error) {
    return kvFailure(error, kv.where);
  }
}

export async function kvVersions(ctx: ActionContext): Promise<Record<string, unknown>> {
  const kv = await openKv(ctx, "kv-versions", { needsV2: true });
  const { mount, path } = kv.target;
  let meta: KvMetadata | null;
  try {
    meta = await kv2.metadata(kv.vault, mount, path);
  } catch (error) {
    return kvFailure(error, kv.where);
  }
  if (!meta) throw new ActionError(`${kv.where} does not exist`);
  const versions: Record<string, Record<string, string>> = {};
  for (const v of meta.versions) {
    versions[String(v.version)] = {
      "created-time": v.createdTime,
      "deletion-time": v.deletionTime,
      state: v.destroyed ? "destroyed" : v.deletionTime ? "deleted" : "live",
    };
  }
  return { mount, path, "current-version": String(meta.currentVersion), "oldest-version": String(meta.oldestVersion), versions };
}
