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
  // Juju reschedules only when the policy changes; a rotation's own reschedule follows its hook.
  if (update.rotatePolicy !== undefined && update.rotatePolicy !== secret.rotatePolicy) {
    secret.rotatePolicy = update.rotatePolicy;
    const next = nextRotation(update.rotatePolicy, now);
    if (next) secret.nextRotateAt = next;
    else delete secret.nextRotateAt;
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
    else secret.revisions = secret.revisions.filter((r) => r.revision !== remove.revision || r === secret.revisions[secret.revisions.length - 1]);
  }
}
