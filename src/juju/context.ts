// What Juju tells a hook through its environment (juju-runtime.md §1.2), parsed once.

export interface RelationRef {
  endpoint: string;
  id: number;
}

export interface JujuContext {
  unitName: string;
  appName: string;
  unitNumber: number;
  modelUuid: string;
  modelName: string;
  charmDir: string;
  jujuVersion: string;
  /** `hooks/<name>` or `actions/<name>`. */
  dispatchPath: string;
  relation: RelationRef | null;
  remoteUnit: string | null;
  remoteApp: string | null;
  departingUnit: string | null;
  secretId: string | null;
  secretLabel: string | null;
  secretRevision: number | null;
  actionName: string | null;
  actionId: string | null;
}

export class JujuContextError extends Error {}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new JujuContextError(`${name} is not set: this program runs as a Juju hook (see dispatch)`);
  return value;
}

function optional(env: NodeJS.ProcessEnv, name: string): string | null {
  const value = env[name];
  return value ? value : null;
}

export function parseRelationId(value: string): RelationRef {
  const match = /^(?:([a-z][a-z0-9-]*):)?(\d+)$/.exec(value);
  if (!match) throw new JujuContextError(`relation id ${JSON.stringify(value)} is not <endpoint>:<n>`);
  return { endpoint: match[1] ?? "", id: Number(match[2]) };
}

export function readJujuContext(env: NodeJS.ProcessEnv = process.env): JujuContext {
  const unitName = required(env, "JUJU_UNIT_NAME");
  const slash = unitName.lastIndexOf("/");
  if (slash <= 0) throw new JujuContextError(`JUJU_UNIT_NAME ${JSON.stringify(unitName)} is not <app>/<n>`);
  const relationId = optional(env, "JUJU_RELATION_ID");
  const endpoint = optional(env, "JUJU_RELATION");
  const revision = optional(env, "JUJU_SECRET_REVISION");
  return {
    unitName,
    appName: unitName.slice(0, slash),
    unitNumber: Number(unitName.slice(slash + 1)),
    modelUuid: required(env, "JUJU_MODEL_UUID"),
    modelName: env.JUJU_MODEL_NAME ?? "",
    charmDir: env.JUJU_CHARM_DIR ?? env.CHARM_DIR ?? process.cwd(),
    jujuVersion: env.JUJU_VERSION ?? "",
    dispatchPath: required(env, "JUJU_DISPATCH_PATH"),
    relation: relationId ? { ...parseRelationId(relationId), ...(endpoint ? { endpoint } : {}) } : null,
    remoteUnit: optional(env, "JUJU_REMOTE_UNIT"),
    remoteApp: optional(env, "JUJU_REMOTE_APP"),
    departingUnit: optional(env, "JUJU_DEPARTING_UNIT"),
    secretId: optional(env, "JUJU_SECRET_ID"),
    secretLabel: optional(env, "JUJU_SECRET_LABEL"),
    secretRevision: revision ? Number(revision) : null,
    actionName: optional(env, "JUJU_ACTION_NAME"),
    actionId: optional(env, "JUJU_ACTION_UUID"),
  };
}
