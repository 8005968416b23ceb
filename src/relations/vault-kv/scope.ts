// Which consumer units a hook looks at closely, so that a hook's cost follows what changed, not the
// number of consumers (DESIGN.md §2). Juju runs relation-changed whenever a unit's data changes, so
// a unit served before, whose data no hook says changed, keeps its record unread. Every unit is
// looked at again when the charm, the config or the leader changes; drift in Vault (a role or
// policy removed by hand) is found by two LISTs on update-status; legacy credentials not yet seen in
// use are checked a few at a time on update-status (that is how a stolen token is noticed).
import { sha256Hex } from "../../lazy-builtins.js";
import type { Hook } from "../../hook.js";
import { listRoles } from "../../vault/approle.js";
import type { VaultClient } from "../../vault/client.js";
import { listPolicies } from "../../vault/sys.js";
import { announcedChange, consumerRelationOf } from "./awaiting.js";
import type { Ledger } from "./ledger.js";
import { CONSUMER_APPROLE_MOUNT } from "./vault-objects.js";

/** Legacy units awaiting their first login that one update-status checks. */
const PENDING_PER_HOOK = 2;
const FULL_SWEEP_HOOKS = new Set(["install", "start", "leader-elected", "upgrade-charm", "config-changed", "post-series-upgrade"]);

export interface LookScope {
  /** Every unit: a new leader, a new charm, changed config, an action that asks. */
  full: boolean;
  /** The consumer relation whose data this hook is about, and its unit (null: its app's data). */
  changed: { relationId: number; unit: string | null } | null;
  /** The consumer relation this relation hook is about (any kind; `changed`'s, when that is set), if any. */
  about: number | null;
  /** Units rechecked against Vault though their inputs did not change. */
  recheck: Set<string>;
  /** Of those, the legacy units whose first login this hook looks for (and for nothing else). */
  firstLogin: Set<string>;
}

export async function lookScope(hook: Hook, vault: VaultClient, ledger: Ledger, endpoints: readonly string[], nowMs: number, full = false): Promise<LookScope> {
  const event = hook.event;
  const everything = full || (event.type === "lifecycle" && FULL_SWEEP_HOOKS.has(event.hook));
  const changed = announcedChange(hook, endpoints);
  // Never served by this version, or its last attempt failed: looked at again until it is served.
  const recheck = new Set(Object.keys(ledger).filter((key) => ledger[key]!.seen === undefined));
  const firstLogin = new Set<string>();
  if (!everything && event.type === "lifecycle" && event.hook === "update-status" && Object.keys(ledger).length > 0) {
    const [roles, policies] = await Promise.all([listRoles(vault, CONSUMER_APPROLE_MOUNT), listPolicies(vault)]);
    const haveRole = new Set(roles);
    const havePolicy = new Set(policies);
    const drifted = new Set(Object.keys(ledger).filter((key) => !haveRole.has(ledger[key]!.role) || !havePolicy.has(ledger[key]!.role)));
    const pending = Object.keys(ledger)
      .filter((key) => ledger[key]!.dialect === "legacy" && !ledger[key]!.confirmed)
      .sort();
    const start = pending.length ? Math.floor(nowMs / 60_000) % pending.length : 0;
    for (let i = 0; i < Math.min(PENDING_PER_HOOK, pending.length); i++) {
      const key = pending[(start + i) % pending.length]!;
      recheck.add(key);
      // Looked at for its first login alone, unless it is due a look anyway.
      if (!drifted.has(key) && ledger[key]!.seen !== undefined) firstLogin.add(key);
    }
    for (const key of drifted) recheck.add(key);
  }
  return { full: everything, changed, about: consumerRelationOf(hook, endpoints), recheck, firstLogin };
}

/** A fingerprint of everything a unit's Vault objects depend on: its bag, its application's, the config. */
export function inputsFingerprint(hook: Hook, unitBag: Record<string, string>, appBag: Record<string, string>): string {
  const c = hook.config;
  const sorted = (bag: Record<string, string>) => Object.keys(bag).sort().map((k) => [k, bag[k]]);
  const config = [c.kvMountPrefix, c.tokenTtl, c.wrapTtl, c.bindCidr, c.kvSharedBackends, c.kvBindMinPrefix];
  return sha256Hex(JSON.stringify([sorted(unitBag), sorted(appBag), config])).slice(0, 16);
}
