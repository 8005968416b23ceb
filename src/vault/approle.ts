// AppRole: roles, role-ids, secret-ids (plain or response-wrapped), accessors and login.
import type { JsonObject, VaultClient } from "./client.js";
import { VaultNotFoundError, VaultRequestError } from "./errors.js";
import { normaliseBoolean, normaliseCidrs, normaliseDuration, normalisePolicies, sameSet } from "./normalise.js";
import { data, num, str, strings, wrapToken } from "./response.js";

export interface AppRoleSettings {
  tokenPolicies: string[];
  tokenTtl: string;
  tokenMaxTtl: string;
  /** CIDRs tokens issued by this role may be used from; empty = anywhere. */
  tokenBoundCidrs: string[];
  /** CIDRs secret-ids of this role may log in from; empty = anywhere. */
  secretIdBoundCidrs: string[];
  secretIdTtl?: string;
}

export async function writeRole(vault: VaultClient, mount: string, name: string, s: AppRoleSettings): Promise<void> {
  await vault.request("POST", `auth/${mount}/role/${name}`, {
    body: {
      bind_secret_id: true,
      token_policies: s.tokenPolicies,
      token_ttl: s.tokenTtl,
      token_max_ttl: s.tokenMaxTtl,
      token_bound_cidrs: s.tokenBoundCidrs,
      secret_id_bound_cidrs: s.secretIdBoundCidrs,
      ...(s.secretIdTtl ? { secret_id_ttl: s.secretIdTtl } : {}),
    },
  });
}

export interface AppRoleState {
  tokenPolicies: string[];
  tokenTtl: number;
  tokenMaxTtl: number;
  tokenBoundCidrs: string[];
  secretIdBoundCidrs: string[];
  bindSecretId: boolean | null;
  secretIdTtl: number;
}

/** One field whose value Vault holds differs from the wanted one, both in Vault's own words. */
export interface FieldDifference {
  field: string;
  wanted: string;
  held: string;
}

/**
 * The role's fields that differ from `wanted`, each compared in its normal form (normalise.ts):
 * an empty list means writing the role would change nothing.
 */
export function roleDifferences(held: AppRoleState, wanted: AppRoleSettings): FieldDifference[] {
  const differences: FieldDifference[] = [];
  const list = (field: string, want: string[], have: string[], normal: (v: readonly string[]) => string[]) => {
    if (!sameSet(normal(want), normal(have))) differences.push({ field, wanted: JSON.stringify(want), held: JSON.stringify(have) });
  };
  const duration = (field: string, want: string, have: number) => {
    if (normaliseDuration(want) !== normaliseDuration(have)) differences.push({ field, wanted: JSON.stringify(want), held: JSON.stringify(have) });
  };
  list("token_policies", wanted.tokenPolicies, held.tokenPolicies, normalisePolicies);
  duration("token_ttl", wanted.tokenTtl, held.tokenTtl);
  duration("token_max_ttl", wanted.tokenMaxTtl, held.tokenMaxTtl);
  list("token_bound_cidrs", wanted.tokenBoundCidrs, held.tokenBoundCidrs, normaliseCidrs);
  list("secret_id_bound_cidrs", wanted.secretIdBoundCidrs, held.secretIdBoundCidrs, normaliseCidrs);
  if (held.bindSecretId !== true) differences.push({ field: "bind_secret_id", wanted: "true", held: JSON.stringify(held.bindSecretId) });
  // Left out of a write, secret_id_ttl keeps its value: compared only when the charm sets it.
  if (wanted.secretIdTtl !== undefined) duration("secret_id_ttl", wanted.secretIdTtl, held.secretIdTtl);
  return differences;
}

/** A role as Vault answers it (`data` of GET auth/<mount>/role/<name>), fields in Vault's own form. */
export function parseRole(d: JsonObject): AppRoleState {
  return {
    tokenPolicies: strings(d.token_policies ?? [], "token_policies"),
    tokenTtl: num(d.token_ttl, "token_ttl"),
    tokenMaxTtl: num(d.token_max_ttl, "token_max_ttl"),
    tokenBoundCidrs: strings(d.token_bound_cidrs ?? [], "token_bound_cidrs"),
    secretIdBoundCidrs: strings(d.secret_id_bound_cidrs ?? [], "secret_id_bound_cidrs"),
    bindSecretId: normaliseBoolean(d.bind_secret_id),
    secretIdTtl: normaliseDuration(typeof d.secret_id_ttl === "number" || typeof d.secret_id_ttl === "string" ? d.secret_id_ttl : 0),
  };
}

export async function readRole(vault: VaultClient, mount: string, name: string): Promise<AppRoleState | null> {
  try {
    return parseRole(data(await vault.request("GET", `auth/${mount}/role/${name}`), "role"));
  } catch (error) {
    if (error instanceof VaultNotFoundError) return null;
    throw error;
  }
}

export async function listRoles(vault: VaultClient, mount: string): Promise<string[]> {
  try {
    return strings(data(await vault.request("LIST", `auth/${mount}/role`), "roles").keys, "roles.keys");
  } catch (error) {
    if (error instanceof VaultNotFoundError) return [];
    throw error;
  }
}

export async function deleteRole(vault: VaultClient, mount: string, name: string): Promise<void> {
  await vault.request("DELETE", `auth/${mount}/role/${name}`);
}

export async function readRoleId(vault: VaultClient, mount: string, name: string): Promise<string> {
  return str(data(await vault.request("GET", `auth/${mount}/role/${name}/role-id`), "role-id").role_id, "role_id");
}

export interface SecretIdRequest {
  /** CIDRs this secret-id may log in from (within the role's). */
  cidrs?: string[];
  tokenBoundCidrs?: string[];
  /** Non-secret labels stored with the secret-id, e.g. which Juju secret revision holds it. */
  metadata?: Record<string, string>;
  /** Lifetime of this secret-id (a Vault duration), within the role's secret_id_ttl. */
  ttl?: string;
  /** Logins it allows (unlimited when absent); Vault counts each one down, which shows it was used. */
  numUses?: number;
}

export interface IssuedSecretId {
  secretId: string;
  accessor: string;
}

export async function generateSecretId(vault: VaultClient, mount: string, role: string, req: SecretIdRequest = {}): Promise<IssuedSecretId> {
  const d = data(await vault.request("POST", `auth/${mount}/role/${role}/secret-id`, { body: secretIdBody(req) }), "secret-id");
  return { secretId: str(d.secret_id, "secret_id"), accessor: str(d.secret_id_accessor, "secret_id_accessor") };
}

/** A secret-id wrapped in a single-use token: whoever unwraps it first gets `{secret_id, secret_id_accessor}`. */
export async function generateWrappedSecretId(
  vault: VaultClient,
  mount: string,
  role: string,
  wrapTtl: string,
  req: SecretIdRequest = {},
): Promise<{ token: string; ttl: number }> {
  const r = await vault.request("POST", `auth/${mount}/role/${role}/secret-id`, { body: secretIdBody(req), wrapTtl });
  const { token, ttl } = wrapToken(r, "secret-id");
  return { token, ttl };
}

function secretIdBody(req: SecretIdRequest) {
  return {
    ...(req.cidrs?.length ? { cidr_list: req.cidrs } : {}),
    ...(req.tokenBoundCidrs?.length ? { token_bound_cidrs: req.tokenBoundCidrs } : {}),
    ...(req.metadata ? { metadata: JSON.stringify(req.metadata) } : {}),
    ...(req.ttl ? { ttl: req.ttl } : {}),
    ...(req.numUses ? { num_uses: req.numUses } : {}),
  };
}

export async function listSecretIdAccessors(vault: VaultClient, mount: string, role: string): Promise<string[]> {
  try {
    return strings(data(await vault.request("LIST", `auth/${mount}/role/${role}/secret-id`), "accessors").keys, "accessors.keys");
  } catch (error) {
    if (error instanceof VaultNotFoundError) return [];
    throw error;
  }
}

export interface SecretIdInfo {
  metadata: Record<string, string>;
  /** Logins left (0: unlimited); Vault counts down from the number it was issued with. */
  numUses: number;
}

/** What Vault holds about a live secret-id, or null when it no longer exists. */
export async function lookupSecretIdByAccessor(vault: VaultClient, mount: string, role: string, accessor: string): Promise<SecretIdInfo | null> {
  try {
    const r = await vault.request("POST", `auth/${mount}/role/${role}/secret-id-accessor/lookup`, { body: { secret_id_accessor: accessor } });
    if (!r.data) return null;
    const d = data(r, "secret-id-accessor");
    const meta = d.metadata;
    const metadata = meta && typeof meta === "object" && !Array.isArray(meta) ? (Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, String(v)])) as Record<string, string>) : {};
    return { metadata, numUses: typeof d.secret_id_num_uses === "number" ? d.secret_id_num_uses : 0 };
  } catch (error) {
    if (error instanceof VaultNotFoundError || roleIsGone(error)) return null;
    throw error;
  }
}

/** Vault answers a look-up under a deleted role with "role ... does not exist" (400 or 500), not 404. */
function roleIsGone(error: unknown): boolean {
  return error instanceof VaultRequestError && error.errors.some((e) => /role .*(does not exist|not found)/i.test(e));
}

/** Metadata of a live secret-id, or null when it no longer exists. */
export async function readSecretIdByAccessor(vault: VaultClient, mount: string, role: string, accessor: string): Promise<Record<string, string> | null> {
  return (await lookupSecretIdByAccessor(vault, mount, role, accessor))?.metadata ?? null;
}

export async function destroySecretIdByAccessor(vault: VaultClient, mount: string, role: string, accessor: string): Promise<void> {
  await vault.request("POST", `auth/${mount}/role/${role}/secret-id-accessor/destroy`, { body: { secret_id_accessor: accessor } });
}

export interface LoginResult {
  token: string;
  accessor: string;
  ttl: number;
  policies: string[];
}

export async function login(vault: VaultClient, mount: string, roleId: string, secretId: string): Promise<LoginResult> {
  const r = await vault.request("POST", `auth/${mount}/login`, { body: { role_id: roleId, secret_id: secretId } });
  const auth = r.auth && typeof r.auth === "object" && !Array.isArray(r.auth) ? r.auth : null;
  if (!auth) throw new VaultNotFoundError(200, `auth/${mount}/login`, ["login answered without auth"]);
  return {
    token: str(auth.client_token, "client_token"),
    accessor: str(auth.accessor, "accessor"),
    ttl: num(auth.lease_duration, "lease_duration"),
    policies: strings(auth.policies ?? [], "policies"),
  };
}
