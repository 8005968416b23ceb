// Events Juju sends because of what a hook committed (juju-runtime.md §1.4, §2.4): relation-changed
// to the units that can see a changed bag, secret-changed to observers behind the latest revision,
// secret-remove to owners for revisions nobody tracks, rotate and expiry when their time comes.
import { nextRotation, secretUri } from "./hooktools/secret-content.js";
import type { ModelState, QueuedEvent, RelationState, SecretState } from "./types.js";

export interface RelationSnapshot {
  [relationId: number]: { app: Record<string, string>; unit: Record<string, string> };
}

export function snapshotRelations(model: ModelState): RelationSnapshot {
  const snap: RelationSnapshot = {};
  for (const rel of model.relations) {
    snap[rel.id] = {
      app: Object.fromEntries(Object.entries(rel.appData).map(([k, v]) => [k, JSON.stringify(v)])),
      unit: Object.fromEntries(Object.entries(rel.unitData).map(([k, v]) => [k, JSON.stringify(v)])),
    };
  }
  return snap;
}

export function relationEnv(rel: RelationState, ownApp: string, remoteUnit: string | null, remoteApp: string): Record<string, string> {
  const endpoint = rel.ends.find((e) => e.app === ownApp)!.endpoint;
  return { JUJU_RELATION: endpoint, JUJU_RELATION_ID: `${endpoint}:${rel.id}`, JUJU_REMOTE_UNIT: remoteUnit ?? "", JUJU_REMOTE_APP: remoteApp };
}

function endpointOf(rel: RelationState, app: string): string {
  return rel.ends.find((e) => e.app === app)!.endpoint;
}

/** relation-changed for every unit that sees a bag the hook of `writer` changed. */
export function relationChanges(model: ModelState, before: RelationSnapshot, writer: string): QueuedEvent[] {
  const events: QueuedEvent[] = [];
  const writerApp = writer.slice(0, writer.lastIndexOf("/"));
  for (const rel of model.relations) {
    if (rel.dying) continue;
    const old = before[rel.id];
    const unitChanged = JSON.stringify(rel.unitData[writer]) !== (old?.unit[writer] ?? undefined);
    const appChanged = JSON.stringify(rel.appData[writerApp]) !== (old?.app[writerApp] ?? undefined);
    if (!unitChanged && !appChanged) continue;
    for (const [observer, seen] of Object.entries(rel.scope)) {
      if (observer === writer || model.units[observer]?.life !== "alive") continue;
      const observerApp = observer.slice(0, observer.lastIndexOf("/"));
      const name = `${endpointOf(rel, observerApp)}-relation-changed`;
      if (unitChanged && seen.includes(writer)) {
        events.push({ unit: observer, event: { kind: "hook", name, env: relationEnv(rel, observerApp, writer, writerApp) } });
      }
      // App bags are seen by the other side, and by other peers; never by the writer's own app otherwise.
      const peer = rel.ends.length === 1;
      if (appChanged && (peer || observerApp !== writerApp)) {
        events.push({ unit: observer, event: { kind: "hook", name, env: relationEnv(rel, observerApp, null, writerApp) } });
      }
    }
  }
  return events;
}

/**
 * `events` less the relation-changed hooks already queued and not yet run. Juju runs relation-changed
 * for a remote unit (or application) when the settings version it last ran one for differs from the
 * latest (internal/worker/uniter/relation/resolver.go, nextHookForRelation: `remoteChangeVersion !=
 * localChangeVersion`, and the same for ApplicationMembers), so changes made before a queued one runs
 * are seen by that one hook, not by one hook each.
 */
export function notYetQueued(queue: readonly QueuedEvent[], events: QueuedEvent[]): QueuedEvent[] {
  const changedKey = ({ unit, event }: QueuedEvent) =>
    event.kind === "hook" && event.name.endsWith("-relation-changed")
      ? JSON.stringify([unit, event.name, event.env?.JUJU_RELATION_ID, event.env?.JUJU_REMOTE_UNIT, event.env?.JUJU_REMOTE_APP])
      : null;
  const pending = new Set(queue.map(changedKey).filter((key) => key !== null));
  return events.filter((e) => {
    const key = changedKey(e);
    if (key === null) return true;
    if (pending.has(key)) return false;
    pending.add(key);
    return true;
  });
}

/** The unit that runs owner hooks: the owning unit, or the leader of the owning app. */
function ownerHookUnit(model: ModelState, secret: SecretState): string | null {
  if (secret.ownerKind === "unit") return model.units[secret.owner] ? secret.owner : null;
  if (secret.ownerKind === "application") return model.apps[secret.owner]?.leader ?? null;
  return null;
}

/** The label a unit knows a secret by: its own consumer label, else the owner's label for the owner's units. */
function labelFor(secret: SecretState, unit: string): string {
  const ownerSide = secret.ownerKind === "unit" ? unit === secret.owner : secret.ownerKind === "application" && unit.slice(0, unit.lastIndexOf("/")) === secret.owner;
  return secret.consumerLabels[unit] ?? (ownerSide ? (secret.label ?? "") : "");
}

/**
 * secret-changed for every unit tracking a revision behind the latest (once per new revision),
 * the owner's own units included: since Juju 3.1.7 they track revisions like any observer.
 */
export function secretChanges(model: ModelState, beforeLatest: Record<string, number>): QueuedEvent[] {
  const events: QueuedEvent[] = [];
  for (const secret of Object.values(model.secrets)) {
    const latest = secret.revisions[secret.revisions.length - 1]!.revision;
    if ((beforeLatest[secret.id] ?? latest) >= latest) continue;
    for (const [observer, revision] of Object.entries(secret.tracking)) {
      if (revision >= latest || model.units[observer]?.life !== "alive") continue;
      const env = { JUJU_SECRET_ID: secretUri(model.uuid, secret.id), JUJU_SECRET_LABEL: labelFor(secret, observer) };
      events.push({ unit: observer, event: { kind: "hook", name: "secret-changed", env } });
    }
  }
  return events;
}

export function latestRevisions(model: ModelState): Record<string, number> {
  return Object.fromEntries(Object.values(model.secrets).map((s) => [s.id, s.revisions[s.revisions.length - 1]!.revision]));
}

/** secret-remove for each obsolete revision no unit tracks (sent once per revision, as Juju does). */
export function secretRemovals(model: ModelState): QueuedEvent[] {
  const events: QueuedEvent[] = [];
  for (const secret of Object.values(model.secrets)) {
    const target = ownerHookUnit(model, secret);
    if (!target) continue;
    const latest = secret.revisions[secret.revisions.length - 1]!.revision;
    const tracked = new Set(Object.entries(secret.tracking).filter(([u]) => model.units[u]?.life === "alive").map(([, r]) => r));
    for (const { revision } of secret.revisions) {
      if (revision === latest || tracked.has(revision) || secret.removalNotified?.includes(revision)) continue;
      (secret.removalNotified ??= []).push(revision);
      const env = { JUJU_SECRET_ID: secretUri(model.uuid, secret.id), JUJU_SECRET_LABEL: secret.label ?? "", JUJU_SECRET_REVISION: String(revision) };
      events.push({ unit: target, event: { kind: "hook", name: "secret-remove", env } });
    }
  }
  return events;
}

/** Juju's RotateRetryDelay and ExpireRetryDelay: a rotation not done, or an expired revision not removed, comes back. */
export const SECRET_RETRY_MS = 5 * 60_000;

/**
 * secret-rotate when a rotation is due; secret-expired for each revision past its expiry, again
 * every SECRET_RETRY_MS until that revision is removed.
 */
export function timedSecretEvents(model: ModelState, at: Date): QueuedEvent[] {
  const events: QueuedEvent[] = [];
  const due = (iso: string | undefined) => iso !== undefined && Date.parse(iso) <= at.getTime();
  for (const secret of Object.values(model.secrets)) {
    const target = ownerHookUnit(model, secret);
    if (!target) continue;
    const base = { JUJU_SECRET_ID: secretUri(model.uuid, secret.id), JUJU_SECRET_LABEL: secret.label ?? "" };
    if (due(secret.nextRotateAt) && !secret.rotating) {
      const latest = secret.revisions[secret.revisions.length - 1]!.revision;
      secret.rotating = { scheduledAt: secret.nextRotateAt!, revision: latest };
      delete secret.nextRotateAt;
      events.push({ unit: target, event: { kind: "hook", name: "secret-rotate", env: base } });
    }
    for (const rev of secret.revisions) {
      if (!due(rev.expireAt) || (rev.expireRetryAt && !due(rev.expireRetryAt))) continue;
      rev.expireRetryAt = new Date(at.getTime() + SECRET_RETRY_MS).toISOString();
      events.push({ unit: target, event: { kind: "hook", name: "secret-expired", env: { ...base, JUJU_SECRET_REVISION: String(rev.revision) } } });
    }
  }
  return events;
}

/**
 * After a secret-rotate hook, Juju's SecretsRotated (apiserver/facades/agent/secretsmanager/secrets.go):
 * the next rotation is one period after the one just due; but five minutes (RotateRetryDelay) after
 * it when no revision was written (unless the hook was skipped), or when the latest revision expires
 * before that next rotation (`willExpire`) and the five minutes end before the expiry. The sim counts
 * the five minutes from now when the due time is in the past, so a jump of the clock does not replay
 * every retry.
 */
export function rescheduleRotation(model: ModelState, secretId: string, at: Date, skipped = false): void {
  const secret = model.secrets[secretId];
  if (!secret?.rotating) return;
  const { scheduledAt, revision } = secret.rotating;
  delete secret.rotating;
  if (!secret.rotatePolicy || secret.rotatePolicy === "never") return;
  const latest = secret.revisions[secret.revisions.length - 1]!;
  let next = Date.parse(nextRotation(secret.rotatePolicy, new Date(scheduledAt))!);
  const forced = Math.max(at.getTime(), Date.parse(scheduledAt)) + SECRET_RETRY_MS;
  const expiry = latest.expireAt ? Date.parse(latest.expireAt) : null;
  const willExpire = expiry !== null && expiry < next;
  if ((willExpire && forced < expiry) || (!skipped && latest.revision === revision)) next = forced;
  secret.nextRotateAt = new Date(next).toISOString();
}
