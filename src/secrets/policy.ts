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

/**
 * The longest time a monthly rotation can be away. Juju, after each secret-rotate, moves the next
 * rotation to five minutes later whenever the latest revision expires before the scheduled one
 * (secretsmanager SecretsRotated, `willExpire`): a revision that expires sooner than this after
 * it was written would have secret-rotate fire every five minutes, each minting a new revision.
 */
export const LONGEST_MONTH_SECONDS = 31 * 86_400;

/**
 * The charm's AppRole: monthly while each revision outlives a month; a shorter-lived secret-id is
 * replaced on expiry alone (secret-expired at two thirds of its lifetime), with rotation off, so
 * Juju never sees a revision that expires before the next rotation.
 */
export function charmApproleRotation(ttlSeconds: number): RotatePolicy {
  return ttlSeconds > 0 && ttlSeconds * RENEW_AT < LONGEST_MONTH_SECONDS ? "never" : "monthly";
}

/** The etcd client certificate: the charm issues it, so it picks its lifetime. */
export const ETCD_CERTIFICATE_LIFETIME_SECONDS = 90 * 86_400;

export function policyFor(kind: OwnedSecretKind, config: CharmConfig): SecretPolicy {
  switch (kind) {
    case "charm-approle": {
      const ttl = durationSeconds(config.charmSecretIdTtl) || 0;
      return { rotate: charmApproleRotation(ttl), credentialTtl: ttl };
    }
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
