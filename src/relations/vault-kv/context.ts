// What serving one vault-kv relation needs: the charm's Vault session, the mounts already there,
// the ledgers being updated, where Vault answers, and the verdicts to report.
import type { Hook } from "../../hook.js";
import type { CredentialLedger } from "../../secrets/ledger.js";
import type { Verdict } from "../../status.js";
import type { VaultClient } from "../../vault/client.js";
import type { MountInfo } from "../../vault/sys.js";
import type { VaultEndpoint } from "../../workload.js";
import { VaultNotInitialisedError, VaultRequestError, VaultSealedError } from "../../vault/errors.js";
import { blocked } from "../../status.js";
import type { Ledger } from "./ledger.js";
import { UnsafeNameError } from "./naming.js";
import type { Parsed, RequestLimits } from "./requests.js";
import type { Tenancy } from "./tenants.js";
import type { AwaitingRequirers } from "./awaiting.js";
import { MountConflictError } from "./vault-objects.js";

export interface ServeContext {
  hook: Hook;
  vault: VaultClient;
  /** Vault's mounts and who owns them: read once, the first time a consumer needs Vault this hook. */
  vaultState(): Promise<{ mounts: Record<string, MountInfo>; tenancy: Tenancy }>;
  ledger: Ledger;
  /** Which secret-id each revision of each consumer's credentials secret holds. */
  credentials: CredentialLedger;
  endpoint: VaultEndpoint;
  verdicts: Verdict[];
  /**
   * Relation writes, made once every relation is served and just before the ledger is written: a
   * hook that ends early (Vault gone mid-way, an action failing with exit 0) must not publish a
   * new token without the record that says which secret-ids it replaced, or the other way round.
   */
  publish: Array<() => void>;
  /** Ledger keys whose credentials must be reissued this hook (refresh-secrets). */
  refresh: Set<string>;
  limits: RequestLimits;
  /** Whether a unit whose inputs did not change is still checked against Vault this hook. */
  recheck(key: string): boolean;
  /** A fingerprint of everything a unit's Vault objects depend on: its bag, its app's, the config. */
  fingerprint(unitBag: Record<string, string>, appBag: Record<string, string>): string;
  /** Units whose data makes no request, or a refused one, until the requirer changes it. */
  awaiting: AwaitingRequirers;
}

/** One consumer relation as read once per hook: the requirer's app bag and each unit's bag. */
export interface ConsumerRelation {
  id: number;
  endpoint: string;
  /** The application at the other end, as Juju names it: the identity everything is owned by. */
  app: string;
  appBag: Record<string, string>;
  /**
   * Remote unit -> its databag, in relation-list order; null for a unit whose data this hook did not
   * read, because nothing says it changed since the charm last served it (its record stands).
   */
  unitBags: Map<string, Record<string, string> | null>;
}


/** CIDRs credentials are bound to: the unit's addresses, or none when bind-cidr is off. */
export function bindCidrs(hook: Hook, cidrs: string[]): string[] {
  return hook.config.bindCidr ? [...new Set(cidrs)].sort() : [];
}

/**
 * Faults one consumer's request causes: Vault refusing what it asked for (a 4xx/5xx answer),
 * a name or mount that cannot be served. They block that consumer alone; a sealed or silent
 * Vault is everyone's problem and ends the hook's vault-kv work instead.
 */
export function isConsumerFault(error: unknown): error is Error {
  if (error instanceof VaultSealedError || error instanceof VaultNotInitialisedError) return false;
  return error instanceof VaultRequestError || error instanceof UnsafeNameError || error instanceof MountConflictError;
}

/** One consumer unit's request is not served: the log and the status say which and why. */
export function refuse(ctx: ServeContext, relation: ConsumerRelation, unit: string, reason: string): void {
  const text = reason.startsWith(`${unit}:`) ? reason : `${unit}: ${reason}`;
  ctx.hook.log.warn(`vault-kv (${relation.endpoint}:${relation.id}) refused: ${text}`);
  ctx.verdicts.push(blocked(`vault-kv request refused: ${text}`));
}

/**
 * A unit whose data makes no valid request: refused (status and log) when it is invalid, and left
 * unread until the requirer changes it (awaiting.ts). What it had, if anything, the dialect keeps.
 */
export function awaitValidRequest(ctx: ServeContext, relation: ConsumerRelation, unit: string, key: string, parsed: Exclude<Parsed<unknown>, { kind: "valid" }>): void {
  const reason = parsed.kind === "invalid" ? parsed.reason : null;
  if (reason) refuse(ctx, relation, unit, reason);
  ctx.awaiting.await(key, reason);
}
