// etcd-client-provider: the provider side of etcd_client/v0 (reference §5.3) for the simulator,
// operating a real test cluster (tests/etcd/cluster.ts). Every hook runs the same reconcile on the
// leader: read each requirer's request, decide (plan.ts), then make the truststore and etcd's RBAC
// match, reload the members, publish, and say what it is doing in status. Its state lives where a
// provider's does, on the "machine": the truststore (with a note per client) and etcd itself.
import { existsSync, readFileSync } from "node:fs";
// The hook-tool modules rather than src/juju/index.js, whose logger brings in pino (140 KB).
import { readJujuContext } from "../../../../src/juju/context.js";
import { relationIds, relationRemoteApp } from "../../../../src/juju/tools/relation.js";
import { setAppStatus, setUnitStatus, type SettableStatus } from "../../../../src/juju/tools/status.js";
import { getConfig, isLeader, jujuLog } from "../../../../src/juju/tools/unit.js";
import { readTruststore, renderTruststore, writeTruststore } from "../../truststore.js";
import { readProviderConfig, reloadTruststore } from "./cluster.js";
import { Etcd } from "./etcd.js";
import { planClients, withClients, type RelationRequest, type Verdict } from "./plan.js";
import { publish, removeSecretsOfGoneRelations, removeUntrackedRevision } from "./publish.js";
import { readRequest } from "./request.js";

const ENDPOINT = "etcd-client";

function setStatus(status: SettableStatus, message: string): void {
  setUnitStatus(status, message);
  setAppStatus(status, message);
}

/** blocked > waiting > active, naming the relation; every refusal is also in the log. */
function summarise(requests: readonly RelationRequest[], verdicts: Map<number, Verdict>): [SettableStatus, string] {
  const withVerdict = requests.map((r) => ({ ...r, verdict: verdicts.get(r.relationId)! }));
  const more = (n: number) => (n > 1 ? ` (and ${n - 1} more: see juju debug-log)` : "");
  const blocked = withVerdict.filter((r) => r.verdict.kind === "blocked");
  if (blocked[0]?.verdict.kind === "blocked") {
    return ["blocked", `${blocked[0].app} (etcd-client:${blocked[0].relationId}): ${blocked[0].verdict.reason}${more(blocked.length)}`];
  }
  const waiting = withVerdict.filter((r) => r.verdict.kind === "waiting");
  if (waiting[0]) return ["waiting", `waiting for ${waiting[0].app}'s prefix and certificate${more(waiting.length)}`];
  return ["active", `serving ${withVerdict.length} client(s)`]; // every relation is served here
}

async function reconcile(): Promise<void> {
  const juju = readJujuContext();
  if (!isLeader()) {
    setUnitStatus("active", "standby: the leader manages etcd clients");
    return;
  }
  if (juju.dispatchPath === "hooks/secret-remove" && juju.secretId) removeUntrackedRevision(juju.secretId, juju.secretLabel, juju.secretRevision);
  const config = readProviderConfig(getConfig());
  if (typeof config === "string") return setStatus("blocked", config);
  const { descriptor } = config;
  if (!existsSync(descriptor.control)) return setStatus("blocked", `cluster ${descriptor.control} is not running`);

  // In relation-broken the relation is on its way out, whatever relation-ids still says.
  const broken = juju.dispatchPath.endsWith("-relation-broken") ? juju.relation?.id : undefined;
  const live = relationIds(ENDPOINT).filter((id) => id !== broken);
  const requests: RelationRequest[] = live.map((relationId) => {
    const app = relationRemoteApp(relationId) ?? "?";
    return { relationId, app, request: readRequest(relationId, app) };
  });

  const etcd = new Etcd(descriptor);
  const entries = readTruststore(descriptor.truststoreFile);
  const plan = planClients(juju.appName, entries, requests, new Set([...etcd.users(), ...etcd.roles()]));
  for (const r of requests) {
    const verdict = plan.verdicts.get(r.relationId);
    if (verdict?.kind === "blocked") jujuLog("WARNING", `etcd-client:${r.relationId} (${r.app}) refused: ${verdict.reason}`);
  }

  // Journal, then etcd, then the final truststore: a rerun after any failure finds its notes.
  const current = readFileSync(descriptor.truststoreFile, "utf8");
  const journal = withClients(entries, juju.appName, plan.journal);
  if (renderTruststore(journal) !== current) writeTruststore(descriptor.truststoreFile, journal);
  for (const user of plan.remove) etcd.deleteClient(user);
  for (const client of plan.ensure) etcd.ensureClient(client.user, client.prefix);
  const final = withClients(entries, juju.appName, plan.final);
  if (renderTruststore(final) !== renderTruststore(journal)) writeTruststore(descriptor.truststoreFile, final);
  const restarted = await reloadTruststore(descriptor);
  if (etcd.changes.length > 0 || restarted) jujuLog("INFO", `etcd: ${[...etcd.changes, ...(restarted ? ["members restarted on the new truststore"] : [])].join("; ")}`);

  const served = new Map<number, string>();
  for (const client of plan.final) if (!served.has(client.relationId)) served.set(client.relationId, client.user);
  if (served.size > 0) {
    const facts = { uris: config.uris, caPem: config.caPem, version: etcd.version() };
    for (const [relationId, user] of served) publish(relationId, juju.appName, user, facts);
  }
  removeSecretsOfGoneRelations(new Set(live));
  setStatus(...summarise(requests, plan.verdicts));
}

try {
  await reconcile();
} catch (error) {
  // A real fault (etcd or the cluster's control endpoint failing): the hook fails and is retried.
  jujuLog("ERROR", `etcd-client-provider: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
