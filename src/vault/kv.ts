// KV secrets engines, versions 1 and 2. Paths are `<mount>/<path>`; callers validate both.
import type { Json, JsonObject, VaultClient } from "./client.js";
import { VaultNotFoundError } from "./errors.js";
import { bool, data, num, obj, str, strings } from "./response.js";

export type KvData = Record<string, Json>;

async function orNull<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof VaultNotFoundError) return null;
    throw error;
  }
}

export const kv1 = {
  async read(vault: VaultClient, mount: string, path: string): Promise<KvData | null> {
    return orNull(vault.request("GET", `${mount}/${path}`).then((r) => data(r, "kv1")));
  },
  async write(vault: VaultClient, mount: string, path: string, value: KvData): Promise<void> {
    await vault.request("POST", `${mount}/${path}`, { body: value as JsonObject });
  },
  async list(vault: VaultClient, mount: string, path: string): Promise<string[]> {
    return (await orNull(vault.request("LIST", `${mount}/${path}`).then((r) => strings(data(r, "kv1").keys, "keys")))) ?? [];
  },
  async delete(vault: VaultClient, mount: string, path: string): Promise<void> {
    await vault.request("DELETE", `${mount}/${path}`);
  },
};

export interface KvVersion {
  version: number;
  createdTime: string;
  deletionTime: string;
  destroyed: boolean;
}

export interface KvMetadata {
  currentVersion: number;
  oldestVersion: number;
  versions: KvVersion[];
}

export interface KvRead {
  data: KvData | null;
  version: KvVersion;
}

function versionFrom(meta: JsonObject, version: number): KvVersion {
  return {
    version,
    createdTime: str(meta.created_time, "created_time"),
    deletionTime: typeof meta.deletion_time === "string" ? meta.deletion_time : "",
    destroyed: bool(meta.destroyed, "destroyed"),
  };
}

export const kv2 = {
  /** A version's data; `data` is null when that version is deleted or destroyed. Null when the path never existed. */
  async read(vault: VaultClient, mount: string, path: string, version?: number): Promise<KvRead | null> {
    const query = version === undefined ? "" : `?version=${version}`;
    try {
      const d = data(await vault.request("GET", `${mount}/data/${path}${query}`), "kv2");
      const meta = obj(d.metadata, "kv2.metadata");
      return { data: d.data === null ? null : obj(d.data, "kv2.data"), version: versionFrom(meta, num(meta.version, "version")) };
    } catch (error) {
      // A deleted or destroyed version answers 404 but still carries its metadata.
      if (error instanceof VaultNotFoundError) return null;
      throw error;
    }
  },
  async write(vault: VaultClient, mount: string, path: string, value: KvData, cas?: number): Promise<number> {
    const body: JsonObject = { data: value as JsonObject, ...(cas === undefined ? {} : { options: { cas } }) };
    return num(data(await vault.request("POST", `${mount}/data/${path}`, { body }), "kv2.write").version, "version");
  },
  async list(vault: VaultClient, mount: string, path: string): Promise<string[]> {
    return (await orNull(vault.request("LIST", `${mount}/metadata/${path}`).then((r) => strings(data(r, "kv2").keys, "keys")))) ?? [];
  },
  async metadata(vault: VaultClient, mount: string, path: string): Promise<KvMetadata | null> {
    const d = await orNull(vault.request("GET", `${mount}/metadata/${path}`).then((r) => data(r, "kv2.metadata")));
    if (!d) return null;
    const versions = Object.entries(obj(d.versions, "versions"))
      .map(([n, v]) => versionFrom(obj(v, "version"), Number(n)))
      .sort((a, b) => a.version - b.version);
    return { currentVersion: num(d.current_version, "current_version"), oldestVersion: num(d.oldest_version, "oldest_version"), versions };
  },
  /** Soft-deletes the latest version, or the given ones. */
  async delete(vault: VaultClient, mount: string, path: string, versions?: number[]): Promise<void> {
    if (versions?.length) await vault.request("POST", `${mount}/delete/${path}`, { body: { versions } });
    else await vault.request("DELETE", `${mount}/data/${path}`);
  },
  async undelete(vault: VaultClient, mount: string, path: string, versions: number[]): Promise<void> {
    await vault.request("POST", `${mount}/undelete/${path}`, { body: { versions } });
  },
  async destroy(vault: VaultClient, mount: string, path: string, versions: number[]): Promise<void> {
    await vault.request("PUT", `${mount}/destroy/${path}`, { body: { versions } });
  },
  async deleteMetadata(vault: VaultClient, mount: string, path: string): Promise<void> {
    await vault.request("DELETE", `${mount}/metadata/${path}`);
  },
};
