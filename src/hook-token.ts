// The charm's per-hook Vault token. Each hook logs in with the charm's AppRole and revokes its token
// at the end; a hook that is killed (SIGKILL, a reboot, `juju resolved` of a hung hook) cannot. So
// the token is noted in a 0600 file on the unit for exactly as long as it lives, and the next hook
// revokes a token it finds there before logging in. The unit can read the AppRole secret-id the
// token came from anyway, so the note widens nothing; and the role's short token TTL (see
// HOOK_TOKEN_TTL) bounds a token whose note never got written. Long hooks renew their token.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "./juju/index.js";
import type { VaultClient } from "./vault/client.js";
import { VaultPermissionDeniedError, VaultRequestError } from "./vault/errors.js";
import { writeFileIfChanged } from "./vault/files.js";
import { vaultPaths } from "./vault/paths.js";
import { renewSelf, revokeSelf } from "./vault/sys.js";

/** TTL of the charm's hook tokens (authorize-charm writes it on the charm's AppRole). */
export const HOOK_TOKEN_TTL = "5m";
/** A hook may renew its token up to this age; no hook runs this long. */
export const HOOK_TOKEN_MAX_TTL = "2h";
const RENEW_EVERY_MS = 2 * 60 * 1000;

const noteFile = () => join(vaultPaths().charmState, "hook-token");

/** Revokes a token a killed hook left behind; a token that already died is simply forgotten. */
export async function revokeLeftoverToken(vault: VaultClient, log: Logger): Promise<boolean> {
  const file = noteFile();
  if (!existsSync(file)) return false;
  const token = readFileSync(file, "utf8").trim();
  try {
    if (token) await revokeSelf(vault.withToken(token));
    log.info("revoked the Vault token of a hook that did not finish");
  } catch (error) {
    // 403: expired or revoked already. Anything else (sealed, silent): try again next hook.
    if (!(error instanceof VaultPermissionDeniedError) && !(error instanceof VaultRequestError && error.status === 400)) throw error;
  }
  rmSync(file, { force: true });
  return true;
}

export interface HookToken {
  /** Revokes the token and drops its note. */
  end(): Promise<void>;
}

/** Notes this hook's token and keeps it alive while the hook runs; returns the hook's end. */
export function holdHookToken(client: VaultClient, token: string, log: Logger): HookToken {
  writeFileIfChanged(noteFile(), token, 0o600);
  const timer = setInterval(() => void renewSelf(client, 300).catch((e: Error) => log.warn(`could not renew the hook's token: ${e.message}`)), RENEW_EVERY_MS);
  timer.unref();
  return {
    async end() {
      clearInterval(timer);
      await revokeSelf(client);
      rmSync(noteFile(), { force: true });
    },
  };
}
