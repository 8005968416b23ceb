// The etcd relation as this unit sees it: absent, waiting on someone, refused, or ready with
// everything Vault needs to keep its data in etcd. The leader also keeps the request published.
import { endpointRelationIds } from "../../hook-memo.js";
import type { Hook } from "../../hook.js";
import { relationGet, relationRemoteApp, relationUnits } from "../../juju/index.js";
import { readGrantedSecret } from "../../secrets/read.js";
import { blocked, waiting, type Verdict } from "../../status.js";
import { peerRelationId } from "../peers.js";
import { CERTIFICATE_IN_USE_KEY, ensureIdentity, ETCD_ENDPOINT, etcdNames, publishCertificate, publishRequest, readIdentity, type ClientIdentity, type EtcdNames } from "./identity.js";
import { parseProviderAnswer, type EtcdProviderInfo } from "./provider-data.js";

export type EtcdView =
  | { kind: "absent" }
  | { kind: "pending"; verdict: Verdict }
  | { kind: "ready"; relationId: number; names: EtcdNames; info: EtcdProviderInfo; identity: ClientIdentity };

/** The etcd relation's id, unless there is none or this hook is its relation-broken. */
function etcdRelation(hook: Hook): number | null {
  const id = endpointRelationIds(ETCD_ENDPOINT)[0] ?? null;
  const { event, juju } = hook;
  const breaking = event.type === "relation" && event.endpoint === ETCD_ENDPOINT && event.kind === "broken" && juju.relation?.id === id;
  return breaking ? null : id;
}

/** Fingerprints of the client certificates the other vault units present to etcd (their peer bags). */
function certificatesInUseByPeers(): Set<string> {
  const peer = peerRelationId();
  if (peer === null) return new Set();
  return new Set(relationUnits(peer).map((unit) => relationGet(peer, unit)[CERTIFICATE_IN_USE_KEY] ?? "").filter(Boolean));
}

/** A provider secret's content; {} while it is not readable (not granted yet, or gone). */
function readProviderSecret(hook: Hook, uri: string | undefined): Record<string, string> {
  // secret-changed for this secret moves us to its newest revision; otherwise keep the tracked one.
  const content = uri ? readGrantedSecret(hook, { id: uri }) : null;
  if (uri && !content) hook.log.debug("etcd: the provider's secret is not readable yet");
  return content ?? {};
}

export async function observeEtcd(hook: Hook): Promise<EtcdView> {
  const relationId = etcdRelation(hook);
  if (relationId === null) return { kind: "absent" };
  const names = etcdNames(hook.juju);
  let identity: ClientIdentity | null;
  if (hook.isLeader) {
    identity = await ensureIdentity(hook, names.user);
    publishRequest(relationId, names, publishCertificate(identity, certificatesInUseByPeers()), hook.juju.appName);
  } else {
    identity = readIdentity();
    if (!identity) return { kind: "pending", verdict: waiting("etcd: waiting for the leader to create the client certificate") };
  }
  const provider = relationRemoteApp(relationId);
  if (!provider) return { kind: "pending", verdict: waiting("etcd: waiting for the etcd application to join") };
  const bag = relationGet(relationId, provider, { app: true });
  const answer = parseProviderAnswer(bag, readProviderSecret(hook, bag["secret-user"]), readProviderSecret(hook, bag["secret-tls"]), names.user);
  if (answer.kind === "invalid") {
    hook.log.warn(`etcd: refusing ${provider}'s answer: ${answer.reason}`);
    return { kind: "pending", verdict: blocked(`etcd: ${answer.reason}`) };
  }
  if (answer.kind === "incomplete") {
    hook.log.debug(`etcd: ${provider} has not published ${answer.missing.join(", ")}`);
    return { kind: "pending", verdict: waiting(`etcd: waiting for ${provider} to grant ${names.user} access to ${names.prefix}`) };
  }
  return { kind: "ready", relationId, names, info: answer.info, identity };
}
