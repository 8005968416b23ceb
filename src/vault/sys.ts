// Vault's system backend: health, init, unseal, leader, mounts, policies, auth methods, tokens.
import type { JsonObject, VaultClient } from "./client.js";
import { VaultNotFoundError, VaultRequestError } from "./errors.js";
import { normaliseMountVersion } from "./normalise.js";
import { bool, data, num, obj, str, strings } from "./response.js";

export interface VaultHealth {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  version: string;
}

export async function health(vault: VaultClient): Promise<VaultHealth> {
  // These query parameters make every state answer 200, so the state is read, not thrown.
  const r = await vault.request("GET", "sys/health?standbyok=true&perfstandbyok=true&sealedcode=200&uninitcode=200");
  return {
    initialized: bool(r.initialized, "health.initialized"),
    sealed: bool(r.sealed, "health.sealed"),
    standby: bool(r.standby, "health.standby"),
    version: str(r.version, "health.version"),
  };
}

export interface SealStatus {
  sealed: boolean;
  initialized: boolean;
  progress: number;
  threshold: number;
  shares: number;
}

function sealStatusFrom(r: JsonObject): SealStatus {
  return {
    sealed: bool(r.sealed, "seal.sealed"),
    initialized: typeof r.initialized === "boolean" ? r.initialized : true,
    progress: num(r.progress, "seal.progress"),
    threshold: num(r.t, "seal.t"),
    shares: num(r.n, "seal.n"),
  };
}

export async function sealStatus(vault: VaultClient): Promise<SealStatus> {
  return sealStatusFrom(await vault.request("GET", "sys/seal-status"));
}

export async function submitUnsealKey(vault: VaultClient, key: string): Promise<SealStatus> {
  return sealStatusFrom(await vault.request("PUT", "sys/unseal", { body: { key } }));
}

export interface InitResult {
  keys: string[];
  keysBase64: string[];
  rootToken: string;
}

export async function initialize(vault: VaultClient, shares: number, threshold: number, pgpKeys: string[] = []): Promise<InitResult> {
  const body = { secret_shares: shares, secret_threshold: threshold, ...(pgpKeys.length ? { pgp_keys: pgpKeys } : {}) };
  const r = await vault.request("PUT", "sys/init", { body });
  return { keys: strings(r.keys, "init.keys"), keysBase64: strings(r.keys_base64, "init.keys_base64"), rootToken: str(r.root_token, "init.root_token") };
}

export interface LeaderInfo {
  haEnabled: boolean;
  isSelf: boolean;
  leaderAddress: string;
}

export async function leader(vault: VaultClient): Promise<LeaderInfo> {
  const r = await vault.request("GET", "sys/leader");
  // During an election OpenBao answers with no leader_address (and is_self absent): no leader yet.
  const leaderAddress = r.leader_address === undefined || r.leader_address === null ? "" : str(r.leader_address, "leader.leader_address");
  const isSelf = r.is_self === undefined || r.is_self === null ? false : bool(r.is_self, "leader.is_self");
  return { haEnabled: bool(r.ha_enabled, "leader.ha_enabled"), isSelf, leaderAddress };
}

export interface MountInfo {
  type: string;
  version: string;
  description: string;
}

/** Mounted secrets engines by path without the trailing slash. */
export async function listMounts(vault: VaultClient): Promise<Record<string, MountInfo>> {
  return parseMounts(data(await vault.request("GET", "sys/mounts"), "mounts"));
}

/** `data` of GET sys/mounts, each mount's kind and (kv) version in normal form. */
export function parseMounts(mounts: JsonObject): Record<string, MountInfo> {
  const result: Record<string, MountInfo> = {};
  for (const [path, value] of Object.entries(mounts)) {
    const mount = obj(value, `mounts.${path}`);
    const options = mount.options && typeof mount.options === "object" && !Array.isArray(mount.options) ? mount.options : {};
    result[path.replace(/\/$/, "")] = {
      type: str(mount.type, "mount.type"),
      version: normaliseMountVersion(options.version),
      description: typeof mount.description === "string" ? mount.description : "",
    };
  }
  return result;
}

export async function enableKv(vault: VaultClient, path: string, version: 1 | 2, description: string): Promise<void> {
  await vault.request("POST", `sys/mounts/${path}`, { body: { type: "kv", description, options: { version: String(version) } } });
}

export async function putPolicy(vault: VaultClient, name: string, hcl: string): Promise<void> {
  await vault.request("PUT", `sys/policies/acl/${name}`, { body: { policy: hcl } });
}

export async function readPolicy(vault: VaultClient, name: string): Promise<string | null> {
  try {
    return str(data(await vault.request("GET", `sys/policies/acl/${name}`), "policy").policy, "policy.policy");
  } catch (error) {
    if (error instanceof VaultNotFoundError) return null;
    throw error;
  }
}

export async function deletePolicy(vault: VaultClient, name: string): Promise<void> {
  await vault.request("DELETE", `sys/policies/acl/${name}`);
}

export async function listPolicies(vault: VaultClient): Promise<string[]> {
  return strings(data(await vault.request("LIST", "sys/policies/acl"), "policies").keys, "policies.keys");
}

/** Enabled auth methods by path without the trailing slash -> type. */
export async function listAuthMethods(vault: VaultClient): Promise<Record<string, string>> {
  const methods = data(await vault.request("GET", "sys/auth"), "auth");
  return Object.fromEntries(Object.entries(methods).map(([path, v]) => [path.replace(/\/$/, ""), str(obj(v, "auth").type, "auth.type")]));
}

export async function enableAuthMethod(vault: VaultClient, path: string, type: string): Promise<void> {
  await vault.request("POST", `sys/auth/${path}`, { body: { type } });
}

export interface TokenInfo {
  accessor: string;
  /** Seconds left; 0 for a token that never expires (root). */
  ttl: number;
  /** The TTL the token was created with, which a renewal asks for again. */
  creationTtl: number;
  renewable: boolean;
  policies: string[];
}

/**
 * Fields Vault or OpenBao may leave out are read as their documented defaults: OpenBao omits
 * `renewable` (and `issue_time`) for the root token from init, batch tokens have an empty accessor.
 */
export function tokenInfoFrom(response: JsonObject): TokenInfo {
  const d = data(response, "lookup-self");
  const absent = (v: unknown) => v === undefined || v === null;
  return {
    accessor: absent(d.accessor) ? "" : str(d.accessor, "accessor"),
    ttl: absent(d.ttl) ? 0 : num(d.ttl, "ttl"),
    creationTtl: typeof d.creation_ttl === "number" ? d.creation_ttl : 0,
    renewable: absent(d.renewable) ? false : bool(d.renewable, "renewable"),
    policies: absent(d.policies) ? [] : strings(d.policies, "policies"),
  };
}

export async function lookupSelf(vault: VaultClient): Promise<TokenInfo> {
  return tokenInfoFrom(await vault.request("GET", "auth/token/lookup-self"));
}

/** Renews the client's token by `incrementSeconds`; returns the TTL Vault granted (less when max TTL nears). */
export async function renewSelf(vault: VaultClient, incrementSeconds: number): Promise<number> {
  const r = await vault.request("POST", "auth/token/renew-self", { body: { increment: `${incrementSeconds}s` } });
  return num(obj(r.auth, "renew.auth").lease_duration, "renew.lease_duration");
}

/** The client token's capabilities on each path (sys/capabilities-self). */
export async function capabilitiesSelf(vault: VaultClient, paths: string[]): Promise<Record<string, string[]>> {
  const r = await vault.request("POST", "sys/capabilities-self", { body: { paths } });
  const source = r.data && typeof r.data === "object" && !Array.isArray(r.data) ? r.data : r;
  return Object.fromEntries(paths.map((path) => [path, Array.isArray(source[path]) ? strings(source[path], `capabilities.${path}`) : []]));
}

export async function revokeSelf(vault: VaultClient): Promise<void> {
  await vault.request("POST", "auth/token/revoke-self");
}

/** Unwraps a response-wrapping token (single use) and returns the wrapped `data`. */
export async function unwrap(vault: VaultClient, wrappingToken: string): Promise<Record<string, unknown>> {
  return data(await vault.request("POST", "sys/wrapping/unwrap", { token: wrappingToken }), "unwrap");
}

/** Whether a wrapping token can still be unwrapped (not used, not expired). */
export async function wrappingTokenAlive(vault: VaultClient, wrappingToken: string): Promise<boolean> {
  try {
    await vault.request("POST", "sys/wrapping/lookup", { body: { token: wrappingToken } });
    return true;
  } catch (error) {
    if (error instanceof VaultRequestError && error.status === 400) return false;
    throw error;
  }
}
