// Applying a hook's buffered writes when it exits 0 (juju-runtime.md §1.5). On failure the
// caller simply drops them.
import type { HookContextInfo, ModelState, PendingChanges, SecretState } from "./types.js";
import { nextRotation } from "./hooktools/secret-content.js";

function sameContent(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

function applySecretUpdate(secret: SecretState, update: PendingChanges["secretUpdates"][string], now: Date): void {
  if (update.label !== undefined) secret.label = update.label;
  if (update.description !== undefined) secret.description = update.description;
  // secretsmanager updateSecret: a schedule is set only when a secret starts rotating (from none
  // or never to a rotating policy); a change between rotating policies keeps the next rotation
  // already due, and never drops it (state secretRotationOps). A rotation's own reschedule follows its hook.
  if (update.rotatePolicy !== undefined && update.rotatePolicy !== secret.rotatePolicy) {
    const wasRotating = secret.rotatePolicy !== undefined && secret.rotatePolicy !== "never";
    secret.rotatePolicy = update.rotatePolicy;
    const next = nextRotation(update.rotatePolicy, now);
    if (!next) delete secret.nextRotateAt;
    else if (!wasRotating || !secret.nextRotateAt) secret.nextRotateAt = next;
  }
  const latest = secret.revisions[secret.revisions.length - 1]!;
  // Juju 3.6: identical content creates no revision. --expire applies to the revision written with
  // it, or to the latest one when no content came with it; a revision without it never expires.
  if (update.content && !sameContent(update.content, latest.content)) {
    secret.revisions.push({ revision: latest.revision + 1, content: update.content, createdAt: now.toISOString(), ...(update.expireAt ? { expireAt: update.expireAt } : {}) });
  } else if (update.expireAt) {
    latest.expireAt = update.expireAt;
    delete latest.expireRetryAt;
  }
}

/** May `unit` change this secret now (at commit): its owner unit, or the owning app's leader. */
function mayManage(model: ModelState, unit: string, secret: SecretState): boolean {
  if (secret.ownerKind === "unit") return secret.owner === unit;
  if (secret.ownerKind === "application") return secret.owner === appOf(unit) && model.apps[secret.owner]?.leader === unit;
  return false;
}

/**
 * Why the hook's secret changes cannot be committed, or null. Juju checks these in the secrets
 * facade when the uniter flushes the hook's context (runner/context/context.go doFlush; secretsmanager
 * secrets.go updateSecret and removeSecrets): a change by a unit that is not the owner (or, for an
 * application secret, not the leader at that moment) is refused with "permission denied", and
 * removing a secret that no longer exists fails with not found. Either fails the whole hook.
 */
export function commitRefusal(model: ModelState, info: HookContextInfo, pending: PendingChanges): string | null {
  const created = new Set(pending.secretCreates.map((s) => s.id));
  const existing = (id: string) => model.secrets[id] ?? pending.secretCreates.find((s) => s.id === id);
  const changed: [string, string][] = [
    ...Object.keys(pending.secretUpdates).map((id): [string, string] => [id, "updating secrets"]),
    ...pending.secretGrants.map((g): [string, string] => [g.secretId, "granting secrets"]),
    ...pending.secretRevokes.map((r): [string, string] => [r.secretId, "revoking secrets"]),
  ];
  for (const [id, what] of changed) {
    const secret = existing(id);
    if (!secret) return `${what}: secret "${id}" not found`;
    if (!created.has(id) && !mayManage(model, info.unit, secret)) return `${what}: permission denied`;
  }
  const removed = new Set<string>();
  for (const { id, revision } of pending.secretRemoves) {
    const secret = existing(id);
    if (!secret || removed.has(id)) return `removing secrets: secret "${id}" not found`;
    if (!created.has(id) && !mayManage(model, info.unit, secret)) return `removing secrets: permission denied`;
    if (revision === null) removed.add(id);
  }
  return null;
}

const appOf = (unit: string) => unit.slice(0, unit.lastIndexOf("/"));

export function applyPending(model: ModelState, info: HookContextInfo, pending: PendingChanges, now: Date): void {
  for (const [relId, members] of Object.entries(pending.relationSets)) {
    const rel = model.relations.find((r) => r.id === Number(relId));
    if (!rel) continue;
    for (const [member, values] of Object.entries(members)) {
      const bags = member.includes("/") ? rel.unitData : rel.appData;
      const bag = (bags[member] ??= {});
      for (const [k, v] of Object.entries(values)) {
        if (v === "") delete bag[k];
        else bag[k] = v;
      }
    }
  }
  const unit = model.units[info.unit];
  if (unit) {
    for (const [k, v] of Object.entries(pending.stateSets)) {
      if (v === null) delete unit.state[k];
      else unit.state[k] = v;
    }
    unit.openedPorts = [...new Set([...unit.openedPorts, ...pending.openPorts])].filter((p) => !pending.closePorts.includes(p));
  }
  for (const secret of pending.secretCreates) model.secrets[secret.id] = secret;
  for (const [id, update] of Object.entries(pending.secretUpdates)) {
    const secret = model.secrets[id];
    if (secret) applySecretUpdate(secret, update, now);
  }
  for (const grant of pending.secretGrants) {
    const secret = model.secrets[grant.secretId];
    if (secret && !secret.grants.some((g) => g.relationId === grant.relationId && g.target === grant.target)) {
      secret.grants.push({ relationId: grant.relationId, target: grant.target });
    }
  }
  for (const revoke of pending.secretRevokes) {
    const secret = model.secrets[revoke.secretId];
    if (!secret) continue;
    secret.grants = secret.grants.filter(
      (g) => !((revoke.relationId === null || g.relationId === revoke.relationId) && (revoke.target === null || g.target === revoke.target)),
    );
  }
  for (const [id, revision] of Object.entries(pending.secretTracks)) {
    const secret = model.secrets[id];
    if (secret) secret.tracking[info.unit] = revision;
  }
  for (const [id, label] of Object.entries(pending.secretConsumerLabels)) {
    const secret = model.secrets[id];
    if (secret) secret.consumerLabels[info.unit] = label;
  }
  for (const remove of pending.secretRemoves) {
    const secret = model.secrets[remove.id];
    if (!secret) continue;
    if (remove.revision === null) delete model.secrets[remove.id];
    else {
      // state/secrets.go deleteSecrets: a secret whose last revision goes is deleted with it.
      secret.revisions = secret.revisions.filter((r) => r.revision !== remove.revision);
      if (secret.revisions.length === 0) delete model.secrets[remove.id];
    }
  }
}
