// A Vault token kept between hooks. Logging in on every hook and revoking at its end cost two Vault
// writes per hook per unit (replicated through etcd in HA), whatever the hook had to do; a kept
// token makes a hook with nothing to change write nothing. The token lives in a 0600 file in the
// charm's state directory, beside a one-way digest of the credentials that made it, so new
// credentials (authorize-charm, a rotation, a new vault-auth) retire it. Each hook looks it up
// (one read), renews it past half its life, and logs in afresh when it is gone; `stop` and `remove`
// revoke it. The unit can read the credentials the token came from anyway, so keeping it on disk
// widens nothing, and its TTL bounds a token whose file never got written (a hook killed between
// its login and the write).
import { rmSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "./lazy-builtins.js";
import type { Logger } from "./juju/index.js";
import type { VaultClient } from "./vault/client.js";
import { VaultPermissionDeniedError, VaultRequestError } from "./vault/errors.js";
import { readJsonOrNull, writeFileIfChanged } from "./vault/files.js";
import { vaultPaths } from "./vault/paths.js";
import { lookupSelf, renewSelf, revokeSelf, type TokenInfo } from "./vault/sys.js";

/** A one-way digest of credentials, so a store can tell they changed without holding them. */
export function credentialsDigest(fields: string[]): string {
  return sha256Hex(fields.join("\0"));
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Tokens about to expire are not worth reusing: the hook could outlive them. */
const MIN_TTL_TO_REUSE = 15;

/** Vault refuses a dead token with 403; a few versions answer 400 to revoke-self of one. */
const deadToken = (error: unknown) => error instanceof VaultPermissionDeniedError || (error instanceof VaultRequestError && error.status === 400);

/**
 * Renews a token past half its life, so a token with a short TTL outlives the gaps between hooks.
 * Returns false when the token is past half its life and could not be extended beyond it (not
 * renewable, or at its maximum TTL): a login-based session then logs in afresh.
 */
export async function keepAlive(log: Logger, client: VaultClient, info: TokenInfo, what: string, autoRenew = true): Promise<boolean> {
  if (info.ttl === 0 || info.ttl * 2 > info.creationTtl) return true;
  if (!autoRenew) {
    log.info(`${what} (accessor ${info.accessor}) has ${info.ttl}s left; auto-renew is off`);
    return false;
  }
  if (!info.renewable) {
    log.warn(`${what} (accessor ${info.accessor}) has ${info.ttl}s left and cannot be renewed`);
    return false;
  }
  const granted = await renewSelf(client, info.creationTtl);
  log.info(`renewed ${what} (accessor ${info.accessor}): ${granted}s left`);
  if (granted < info.creationTtl) log.warn(`${what} reaches its maximum TTL in ${granted}s`);
  return granted * 2 > info.creationTtl;
}

interface KeptLogin {
  credentials: string;
  token: string;
}

export class KeptToken {
  private readonly file: string;

  /** `name`: the file in the charm's state directory; `what`: how log lines name the token. */
  constructor(
    name: string,
    private readonly what: string,
    private readonly log: Logger,
  ) {
    this.file = join(vaultPaths().charmState, name);
  }

  private read(): KeptLogin | null {
    const parsed = readJsonOrNull(this.file) as Partial<KeptLogin> | null;
    return typeof parsed?.token === "string" && typeof parsed.credentials === "string" ? (parsed as KeptLogin) : null;
  }

  /**
   * The kept token if it was made with these credentials and still has a future (renewed when due).
   * `digest` null: whatever credentials made it, which the caller knows to be unchanged.
   */
  async reuse(vault: VaultClient, digest: string | null, autoRenew = true): Promise<VaultClient | null> {
    const kept = this.read();
    if (!kept) return null;
    if (digest !== null && kept.credentials !== digest) {
      await this.revoke(vault, kept.token, "made with credentials the unit no longer holds");
      return null;
    }
    const client = vault.withToken(kept.token);
    const info = await lookupSelf(client).catch((error: unknown) => {
      if (deadToken(error)) return null;
      throw error;
    });
    if (!info || (info.ttl !== 0 && info.ttl < MIN_TTL_TO_REUSE)) {
      this.forgetFile();
      return null;
    }
    if (await keepAlive(this.log, client, info, this.what, autoRenew)) return this.holdDuringHook(client, info.creationTtl, autoRenew);
    // Dropped for a fresh one: revoked rather than left to expire.
    this.log.info(`${this.what} (accessor ${info.accessor}) cannot be renewed past half its life: logging in afresh`);
    await this.revoke(vault, kept.token, "replaced by a fresh login");
    return null;
  }

  /** Notes a fresh login's token; written before the token is used, so no kill leaves it unnoted. */
  keep(vault: VaultClient, digest: string, token: string, ttlSeconds: number, autoRenew = true): VaultClient {
    writeFileIfChanged(this.file, JSON.stringify({ credentials: digest, token } satisfies KeptLogin), 0o600);
    return this.holdDuringHook(vault.withToken(token), ttlSeconds, autoRenew);
  }

  /**
   * A hook never outlives its token: one that runs past half the token's TTL (a first sweep of a
   * large fleet, a slow Vault) renews it meanwhile. The timer does not keep the process alive.
   */
  private holdDuringHook(client: VaultClient, ttlSeconds: number, autoRenew: boolean): VaultClient {
    if (ttlSeconds > 0 && autoRenew) {
      // Node takes a delay above 2^31-1 ms as 1 ms: a token of more than 49 days would be renewed
      // without pause. No hook runs that long anyway.
      const every = Math.min(ttlSeconds * 500, MAX_TIMER_MS);
      const timer = setInterval(() => void renewSelf(client, ttlSeconds).catch((e: Error) => this.log.warn(`could not renew ${this.what}: ${e.message}`)), every);
      timer.unref();
    }
    return client;
  }

  /** Revokes the kept token, if any, and forgets it (stop, remove, new credentials). */
  async end(vault: VaultClient, why: string): Promise<void> {
    const kept = this.read();
    if (kept) await this.revoke(vault, kept.token, why);
  }

  private async revoke(vault: VaultClient, token: string, why: string): Promise<void> {
    try {
      await revokeSelf(vault.withToken(token));
      this.log.info(`revoked ${this.what}: ${why}`);
    } catch (error) {
      // Dead already: forgotten. Vault sealed or silent: the file stays, and a later hook tries again.
      if (!deadToken(error)) throw error;
    }
    this.forgetFile();
  }

  private forgetFile(): void {
    rmSync(this.file, { force: true });
  }
}
