// The provider's side of the databag and its two secrets per relation, named and granted the way
// data_interfaces does (reference §5.2): `etcd-client.<id>.user.secret` {username, uris} and
// `etcd-client.<id>.tls.secret` {tls, tls-ca}, each granted to the relation, their URIs in
// `secret-user` and `secret-tls` beside `endpoints` and `version`. Only differences are written.
import { SecretNotFoundError } from "../../../../src/juju/errors.js";
import { relationGet, relationSet } from "../../../../src/juju/tools/relation.js";
import { secretAdd, secretGet, secretGrant, secretIds, secretInfoGet, secretRemove, secretSet, type SecretContent } from "../../../../src/juju/tools/secret.js";

export interface ClusterFacts {
  /** https://host:port, one per member. */
  uris: string[];
  version: string;
  caPem: string;
}

const LABEL = /^etcd-client\.(\d+)\.(user|tls)\.secret$/;

const sameContent = (a: SecretContent, b: SecretContent) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** The URI of our secret with `label`, created and granted to the relation if missing, updated if stale. */
function ensureOwnedSecret(relationId: number, label: string, content: SecretContent, published: string | undefined): string {
  let id: string;
  try {
    id = secretInfoGet({ label }).id;
  } catch (error) {
    if (!(error instanceof SecretNotFoundError)) throw error;
    const uri = secretAdd(content, { label });
    secretGrant(uri, relationId);
    return uri;
  }
  if (!sameContent(secretGet({ id, peek: true }), content)) secretSet(id, content);
  // Keep the URI as first published (secret-add's form) when it names the same secret.
  return published?.endsWith(id) ? published : `secret:${id}`;
}

export function publish(relationId: number, ownApp: string, user: string, facts: ClusterFacts): void {
  const current = relationGet(relationId, ownApp, { app: true });
  const wanted: Record<string, string> = {
    endpoints: facts.uris.map((u) => new URL(u).host).join(","),
    version: facts.version,
    "secret-user": ensureOwnedSecret(relationId, `etcd-client.${relationId}.user.secret`, { username: user, uris: facts.uris.join(",") }, current["secret-user"]),
    "secret-tls": ensureOwnedSecret(relationId, `etcd-client.${relationId}.tls.secret`, { tls: "True", "tls-ca": facts.caPem }, current["secret-tls"]),
  };
  const changed = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => current[k] !== v));
  relationSet(relationId, changed, { app: true });
}

/** Removes the secrets of relations that are gone (their grants went with them). */
export function removeSecretsOfGoneRelations(liveRelationIds: ReadonlySet<number>): void {
  for (const id of secretIds()) {
    const label = secretInfoGet({ id }).label ?? "";
    const match = LABEL.exec(label);
    if (match && !liveRelationIds.has(Number(match[1]))) secretRemove(id);
  }
}

/** On secret-remove: a revision of one of our secrets that no requirer tracks any more. */
export function removeUntrackedRevision(id: string, label: string | null, revision: number | null): void {
  if (label && LABEL.test(label) && revision !== null) secretRemove(id, revision);
}
