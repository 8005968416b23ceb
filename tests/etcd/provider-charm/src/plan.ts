// What the leader should make true this hook, decided from what is really there (the truststore's
// notes and etcd's users and roles) and the requests, before anything is changed. Pure, so the
// conflict rules read in one place.
import { samePem, type TrustEntry } from "../../truststore.js";
import type { Request } from "./request.js";

/** A requirer certificate this charm put in the truststore, and the etcd user and prefix it was trusted for. */
export interface Client {
  relationId: number;
  user: string;
  prefix: string;
  pem: string;
}

export interface RelationRequest {
  relationId: number;
  app: string;
  request: Request;
}

export type Verdict = { kind: "serving" } | { kind: "waiting" } | { kind: "blocked"; reason: string };

export interface Plan {
  verdicts: Map<number, Verdict>;
  /** The truststore's clients once the hook is done: per served relation, each certificate it sent. */
  final: Client[];
  /** Written first, before etcd is touched: the final clients plus the ones they replace, so a rerun knows both. */
  journal: Client[];
  /** Users to create or correct, each for its relation's prefix. */
  ensure: Client[];
  /** Users this charm created that nothing needs any more. */
  remove: string[];
}

const NOTE = /^managed by ([a-z0-9-]+): etcd-client:(\d+) user=(\S+) prefix=(\S+)$/;

export function clientNote(app: string, c: Client): string {
  return `managed by ${app}: etcd-client:${c.relationId} user=${c.user} prefix=${c.prefix}`;
}

/** The notes of every provider application sharing this truststore, by application. */
export function readClients(entries: readonly TrustEntry[]): { app: string; client: Client }[] {
  return entries.flatMap((e) => {
    const m = NOTE.exec(e.note);
    return m ? [{ app: m[1]!, client: { relationId: Number(m[2]), user: m[3]!, prefix: m[4]!, pem: e.pem } }] : [];
  });
}

/** The truststore with this app's clients replaced; everything else (the CA, other apps') kept in place. */
export function withClients(entries: readonly TrustEntry[], app: string, clients: readonly Client[]): TrustEntry[] {
  const others = entries.filter((e) => NOTE.exec(e.note)?.[1] !== app);
  const ordered = [...clients].sort((a, b) => a.relationId - b.relationId || a.user.localeCompare(b.user));
  return [...others, ...ordered.map((c) => ({ note: clientNote(app, c), pem: c.pem }))];
}

const overlaps = (a: string, b: string) => a.startsWith(b) || b.startsWith(a);

export function planClients(app: string, entries: readonly TrustEntry[], requests: readonly RelationRequest[], etcdNames: ReadonlySet<string>): Plan {
  const all = readClients(entries);
  const current = all.filter((c) => c.app === app).map((c) => c.client);
  const ourNames = new Set(current.map((c) => c.user));
  const requesters = new Map(requests.map((r) => [r.relationId, r.app]));
  const verdicts = new Map<number, Verdict>();
  const final: Client[] = [];
  const ensure: Client[] = [];

  // Claims other relations hold: other providers' clients, our live relations' current clients,
  // and the requests accepted so far (lower relation ids first).
  type Claim = { user: string; prefix: string; owner: string; relationId: number | null };
  const claims: Claim[] = all
    .filter((c) => c.app !== app || requesters.has(c.client.relationId))
    .map(({ app: owner, client }) => ({
      user: client.user,
      prefix: client.prefix,
      owner: owner === app ? `${requesters.get(client.relationId)} (etcd-client:${client.relationId})` : `provider ${owner}`,
      relationId: owner === app ? client.relationId : null,
    }));

  for (const { relationId, app: requirer, request } of [...requests].sort((a, b) => a.relationId - b.relationId)) {
    const kept = current.filter((c) => c.relationId === relationId);
    const keep = (verdict: Verdict) => {
      verdicts.set(relationId, verdict);
      final.push(...kept);
    };
    if (request.kind !== "ready") {
      // Still served with what it sent before, unless what it sends now is refused.
      keep(request.kind === "waiting" && kept.length > 0 ? { kind: "serving" } : request);
      continue;
    }
    const others = claims.filter((c) => c.relationId !== relationId);
    const userClash = others.find((c) => c.user === request.user);
    const prefixClash = others.find((c) => overlaps(c.prefix, request.prefix));
    if (userClash) keep({ kind: "blocked", reason: `CN ${request.user} is already the etcd user of ${userClash.owner}` });
    else if (prefixClash) keep({ kind: "blocked", reason: `prefix ${request.prefix} overlaps ${prefixClash.prefix} of ${prefixClash.owner}` });
    else if (etcdNames.has(request.user) && !ourNames.has(request.user)) {
      keep({ kind: "blocked", reason: `etcd already has a user or role ${request.user} that ${app} does not manage` });
    } else {
      const clients = request.certPems.map((pem) => ({ relationId, user: request.user, prefix: request.prefix, pem }));
      verdicts.set(relationId, { kind: "serving" });
      final.push(...clients);
      ensure.push(clients[0]!);
      claims.push({ user: request.user, prefix: request.prefix, owner: `${requirer} (etcd-client:${relationId})`, relationId });
    }
  }

  const same = (a: Client, b: Client) => a.relationId === b.relationId && a.user === b.user && samePem(a.pem, b.pem) && a.prefix === b.prefix;
  const journal = [...final, ...current.filter((c) => !final.some((f) => same(f, c)))];
  const finalUsers = new Set(final.map((c) => c.user));
  const remove = [...new Set(current.map((c) => c.user))].filter((u) => !finalUsers.has(u));
  return { verdicts, final, journal, ensure, remove };
}
