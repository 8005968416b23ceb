// Events Juju sends because of what a hook committed (juju-runtime.md §1.4, §2.4): relation-changed
// to the units that can see a changed bag, secret-changed to observers behind the latest revision,
// secret-remove to owners for revisions nobody tracks, rotate and expiry when their time comes.
import { secretUri } from "./hooktools/secret-content.js";
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

function ownerUnits(model: ModelState, secret: SecretState): string[] {
  if (secret.ownerKind === "unit") return [secret.owner];
  if (secret.ownerKind === "application") return model.apps[secret.owner]?.units ?? [];
  return [];
}

/** The unit that runs owner hooks: the owning unit, or the leader of the owning app. */
function ownerHookUnit(model: ModelState, secret: SecretState): string | null {
  if (secret.ownerKind === "unit") return model.units[secret.owner] ? secret.owner : null;
  if (secret.ownerKind === "application") return model.apps[secret.owner]?.leader ?? null;
  return null;
}

/** secret-changed for observers behind the latest revision (once per revision per observer). */
export function secretChanges(model: ModelState, beforeLatest: Record<string, number>): QueuedEvent[] {
  const events: QueuedEvent[] = [];
  for (const secret of Object.values(model.secrets)) {
    const latest = secret.revisions[secret.revisions.length - 1]!.revision;
    if ((beforeLatest[secret.id] ?? latest) >= latest) continue;
    const owners = new Set(ownerUnits(model, secret));
    for (const [observer, revision] of Object.entries(secret.tracking)) {
      if (owners.has(observer) || revision >= latest || model.units[observer]?.life !== "alive") continue;
      const env = { JUJU_SECRET_ID: secretUri(model.uuid, secret.id), JUJU_SECRET_LABEL: secret.consumerLabels[observer] ?? "" };
      events.push({ unit: observer, event: { kind: "hook", name: "secret-changed", env } });
    }
  }
  return events;
}

export function latestRevisions(model: ModelState): Record<string, number> {
  return Object.fromEntries(Object.values(model.secrets).map((s) => [s.id, s.revisions[s.revisions.length - 1]!.revision]));
}

/** secret-remove for each obsolete revision no observer tracks (owners' own tracking does not hold it). */
export function secretRemovals(model: ModelState): QueuedEvent[] {
  const events: QueuedEvent[] = [];
  for (const secret of Object.values(model.secrets)) {
    const target = ownerHookUnit(model, secret);
    if (!target) continue;
    const owners = new Set(ownerUnits(model, secret));
    const latest = secret.revisions[secret.revisions.length - 1]!.revision;
    const tracked = new Set(Object.entries(secret.tracking).filter(([u]) => !owners.has(u) && model.units[u]?.life === "alive").map(([, r]) => r));
    for (const { revision } of secret.revisions) {
      if (revision === latest || tracked.has(revision) || secret.removalNotified?.includes(revision)) continue;
      (secret.removalNotified ??= []).push(revision);
      const env = { JUJU_SECRET_ID: secretUri(model.uuid, secret.id), JUJU_SECRET_LABEL: secret.label ?? "", JUJU_SECRET_REVISION: String(revision) };
      events.push({ unit: target, event: { kind: "hook", name: "secret-remove", env } });
    }
  }
  return events;
}

/** secret-rotate when a rotation is due, secret-expired when a revision's expiry has passed. */
export function timedSecretEvents(model: ModelState, at: Date): QueuedEvent[] {
  const events: QueuedEvent[] = [];
  for (const secret of Object.values(model.secrets)) {
    const target = ownerHookUnit(model, secret);
    if (!target) continue;
    const base = { JUJU_SECRET_ID: secretUri(model.uuid, secret.id), JUJU_SECRET_LABEL: secret.label ?? "" };
    if (secret.nextRotateAt && Date.parse(secret.nextRotateAt) <= at.getTime()) {
      // Fired once; a new revision (the rotation) schedules the next one.
      delete secret.nextRotateAt;
      events.push({ unit: target, event: { kind: "hook", name: "secret-rotate", env: base } });
    }
    for (const rev of secret.revisions) {
      if (!rev.expireAt || Date.parse(rev.expireAt) > at.getTime() || secret.expiryNotified?.includes(rev.revision)) continue;
      (secret.expiryNotified ??= []).push(rev.revision);
      events.push({ unit: target, event: { kind: "hook", name: "secret-expired", env: { ...base, JUJU_SECRET_REVISION: String(rev.revision) } } });
    }
  }
  return events;
}
