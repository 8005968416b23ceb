// How each owned secret gets new revisions: on Juju's rotation schedule, and before the credential
// a revision holds stops working (a secret-id's TTL, a certificate's notAfter). For the latter the
// revision is given an expiry well inside the credential's validity, so secret-expired comes while
// the credential still works and there is time left for Juju's retries.
import { durationSeconds, type CharmConfig } from "../config.js";
import type { RotatePolicy } from "../juju/index.js";
import type { OwnedSecretKind } from "./catalog.js";

export interface SecretPolicy {
  rotate: RotatePolicy;
  /** Lifetime the charm gives the credential it issues for each revision, in seconds; 0 for none. */
  credentialTtl: number;
}

/** A revision expires once this share of its credential's validity has passed. */
export const RENEW_AT = 2 / 3;

/** The etcd client certificate: the charm issues it, so it picks its lifetime. */
export const ETCD_CERTIFICATE_LIFETIME_SECONDS = 90 * 86_400;

export function policyFor(kind: OwnedSecretKind, config: CharmConfig): SecretPolicy {
  switch (kind) {
    case "charm-approle":
      return { rotate: "monthly", credentialTtl: durationSeconds(config.charmSecretIdTtl) || 0 };
    case "kv-credentials":
      return { rotate: config.credentialRotation as RotatePolicy, credentialTtl: 0 };
    case "etcd-identity":
      return { rotate: "never", credentialTtl: ETCD_CERTIFICATE_LIFETIME_SECONDS };
    case "etcd-mtls":
      // Follows etcd-identity: rewritten when it rotates, and once no unit presents the old certificate.
      return { rotate: "never", credentialTtl: 0 };
    case "vault-ca":
      // Ten years; replacing it means reissuing every certificate it signed, which is not automated.
      return { rotate: "never", credentialTtl: 0 };
  }
}

/** When a credential works: from issue (or a certificate's notBefore) until it runs out. */
export interface Validity {
  from: Date;
  until: Date;
}

export function validityFor(ttlSeconds: number, now = new Date()): Validity | null {
  return ttlSeconds > 0 ? { from: now, until: new Date(now.getTime() + ttlSeconds * 1000) } : null;
}

/**
 * `--expire` for a revision holding a credential valid over `validity`: a duration from now rather
 * than a time, so Juju's clock (not this unit's) decides when secret-expired comes.
 */
export function revisionExpiry(validity: Validity, now = new Date()): string {
  const renewAt = validity.from.getTime() + (validity.until.getTime() - validity.from.getTime()) * RENEW_AT;
  return `${Math.max(1, Math.floor((renewAt - now.getTime()) / 1000))}s`;
}
