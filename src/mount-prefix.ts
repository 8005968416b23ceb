// `kv-mount-prefix` names every mount, policy and AppRole the charm makes for consumers. Changing it
// while such objects exist would strand them (old roles keeping live secret-ids, consumers pointed at
// mounts the charm's policy no longer covers), so the change is refused until they are gone; and on
// the local Vault the charm's own policy, written by authorize-charm, must cover the new prefix.
import type { Hook } from "./hook.js";
import { peerAppValue, peerRelationId, setPeerAppValues } from "./relations/peers.js";
import { readLedger } from "./relations/vault-kv/ledger.js";
import { blocked, type Verdict } from "./status.js";

/** The prefix the charm's consumer objects were made under (leader-written, peer app bag). */
const PREFIX_IN_USE = "kv-mount-prefix";
/** The prefix the charm's own policy covers, as authorize-charm last wrote it. */
const POLICY_PREFIX = "charm-policy-prefix";

/**
 * Settles which prefix this hook uses. A change is refused (the old prefix stays in force and a
 * config problem says why) while any consumer unit holds objects under another prefix.
 */
export function settleMountPrefix(hook: Hook): void {
  if (peerRelationId() === null) return;
  const wanted = hook.config.kvMountPrefix;
  const app = hook.juju.appName;
  const inUse = peerAppValue(app, PREFIX_IN_USE) ?? "charm-";
  const held = Object.values(readLedger(app)).filter((record) => !record.role.startsWith(wanted));
  if (held.length > 0 && inUse !== wanted) {
    hook.configProblems.push(
      `kv-mount-prefix: cannot change from "${inUse}" to "${wanted}" while ${held.length} vault-kv consumer unit(s) have mounts and AppRoles under ${inUse}: ` +
        `remove those relations first (their data stays in Vault), or set kv-mount-prefix back to ${inUse}`,
    );
    hook.config.kvMountPrefix = inUse;
  }
  if (hook.isLeader) setPeerAppValues(app, { [PREFIX_IN_USE]: hook.config.kvMountPrefix });
}

/** On the local Vault: blocked until authorize-charm has written the charm's policy for the prefix in force. */
export function policyPrefixVerdict(hook: Hook): Verdict | null {
  if (hook.config.vaultUrl || peerRelationId() === null) return null;
  const covered = peerAppValue(hook.juju.appName, POLICY_PREFIX);
  if (covered === undefined || covered === hook.config.kvMountPrefix) return null;
  return blocked(`kv-mount-prefix is now "${hook.config.kvMountPrefix}": run authorize-charm again so the charm's policy covers it (it covers "${covered}")`);
}

/** authorize-charm wrote the charm's policy for `prefix`. */
export function recordPolicyPrefix(hook: Hook, prefix: string): void {
  if (peerRelationId() !== null) setPeerAppValues(hook.juju.appName, { [POLICY_PREFIX]: prefix });
}
