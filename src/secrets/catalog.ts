// The Juju secrets the charm deals with, one entry per purpose. It owns some: application-owned,
// written by the leader, read by the units that need them, each under a stable label. It observes
// others: the operator's and a provider's, named by config or relation data. Content keys follow
// Juju's rule (SECRET_KEY_PATTERN), which secretAdd/secretSet enforce before any tool runs.
import { SECRET_KEY_PATTERN } from "../juju/index.js";

export { SECRET_KEY_PATTERN };

export type OwnedSecretKind = "vault-ca" | "charm-approle" | "kv-credentials" | "etcd-identity" | "etcd-mtls";

export const VAULT_CA_LABEL = "vault-ca";
export const CHARM_APPROLE_LABEL = "vault-approle-charm";
export const ETCD_IDENTITY_LABEL = "etcd-client-identity";
export const ETCD_MTLS_LABEL = "etcd-mtls";
const KV_CREDENTIALS_PREFIX = "vault-kv-";

/** Label of a v0 consumer unit's credentials: `vault-kv-<app>-<n>`. */
export function kvCredentialsLabel(unitName: string): string {
  return `${KV_CREDENTIALS_PREFIX}${unitName.replace("/", "-")}`;
}

export interface OwnedSecret {
  /** The owner label, or its pattern. */
  label: string;
  keys: readonly string[];
  /** Who reads it: every unit (tracking revisions like an observer), or observers it is granted to. */
  readers: string;
}

export const OWNED_SECRETS: Record<OwnedSecretKind, OwnedSecret> = {
  "vault-ca": { label: VAULT_CA_LABEL, keys: ["certificate", "private-key"], readers: "every vault unit (its server certificate)" },
  "charm-approle": { label: CHARM_APPROLE_LABEL, keys: ["role-id", "secret-id"], readers: "every vault unit (its Vault session)" },
  "kv-credentials": { label: kvCredentialsLabel("<app>/<n>"), keys: ["role-id", "role-secret-id"], readers: "the one vault-kv v0 consumer unit it is granted to" },
  "etcd-identity": { label: ETCD_IDENTITY_LABEL, keys: ["certificate", "private-key"], readers: "every vault unit (Vault's etcd client); shared with no one" },
  // The certificate(s) of etcd-identity the provider must trust: during a rotation the new and the old.
  "etcd-mtls": { label: ETCD_MTLS_LABEL, keys: ["mtls-cert"], readers: "the etcd provider, granted over the etcd relation" },
};

export interface ObservedSecret {
  /** Where its URI comes from. */
  namedBy: string;
  keys: readonly string[];
}

/** Secrets others own that the charm reads; on secret-changed it moves to their newest revision. */
export const OBSERVED_SECRETS: Record<string, ObservedSecret> = {
  "unseal-keys": { namedBy: "config unseal-keys", keys: ["keys"] },
  "vault-auth": { namedBy: "config vault-auth (external Vault)", keys: ["token", "role-id", "secret-id", "approle-mount"] },
  "operator-token": { namedBy: "authorize-charm's secret-id parameter (read once, never kept)", keys: ["token"] },
  "etcd-user": { namedBy: "the etcd provider's secret-user", keys: ["username", "uris"] },
  "etcd-tls": { namedBy: "the etcd provider's secret-tls", keys: ["tls", "tls-ca"] },
};

/** Which owned secret a label names; null when it names none of ours. */
export function ownedKindOf(label: string | null | undefined): OwnedSecretKind | null {
  if (!label) return null;
  if (label.startsWith(KV_CREDENTIALS_PREFIX)) return "kv-credentials";
  const match = (Object.entries(OWNED_SECRETS) as [OwnedSecretKind, OwnedSecret][]).find(([, secret]) => secret.label === label);
  return match?.[0] ?? null;
}
