// The simulator's model: everything a Juju controller would know about one model, kept as plain
// JSON so a model directory can be inspected, saved between CLI calls and diffed between hooks.
// Facts behind each rule: ../shared/reference/juju-runtime.md (section numbers in comments).

export type WorkloadStatusName = "unknown" | "maintenance" | "blocked" | "waiting" | "active" | "error";

export interface StatusRecord {
  status: WorkloadStatusName;
  message: string;
  /** ISO time the status was set. */
  since: string;
}

/** Parsed metadata.yaml, reduced to what the simulator needs. */
export interface CharmMeta {
  name: string;
  /** endpoint -> interface, by role. */
  provides: Record<string, { interface: string; limit?: number }>;
  requires: Record<string, { interface: string; limit?: number }>;
  peers: Record<string, { interface: string }>;
}

/** One option of config.yaml. */
export interface ConfigOption {
  type: "string" | "int" | "float" | "boolean" | "secret";
  default?: unknown;
  description?: string;
}

/** One action of actions.yaml: a JSON schema for its params. */
export interface ActionSpec {
  description?: string;
  params?: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties?: boolean;
}

export interface CharmSpec {
  /** Directory holding dispatch, metadata.yaml, config.yaml, actions.yaml (source tree or unpacked .charm). */
  dir: string;
  meta: CharmMeta;
  config: Record<string, ConfigOption>;
  actions: Record<string, ActionSpec>;
}

export interface AppState {
  name: string;
  charm: CharmSpec;
  /** Values set by the operator (`sim config`); defaults come from charm.config. */
  config: Record<string, string | number | boolean>;
  /** Unit names in creation order. */
  units: string[];
  nextUnitNumber: number;
  leader: string | null;
  /** Application status set by the leader (status-set --application). */
  status: StatusRecord;
  workloadVersion: string;
}

export type UnitLife = "alive" | "dying" | "dead";

export interface UnitState {
  name: string; // "<app>/<n>"
  app: string;
  /** Loopback address of its own, <addressPrefix>N: network-get, unit-get, ingress-address, egress-subnets. */
  address: string;
  /** Private copy of the charm dir (JUJU_CHARM_DIR), like a real unit's. */
  charmDir: string;
  /** Directory the unit may use for its workload's data (the sim's stand-in for the machine's disk). */
  dataDir: string;
  life: UnitLife;
  status: StatusRecord;
  /** "hook failed: <name>" while in error; cleared by a later successful hook. */
  errorHook: string | null;
  /** state-set / state-get. */
  state: Record<string, string>;
  /** open-port / close-port, e.g. "8200/tcp". */
  openedPorts: string[];
}

export interface RelationEnd {
  app: string;
  endpoint: string;
  role: "provides" | "requires" | "peers";
}

export interface RelationState {
  id: number;
  interface: string;
  /** Two ends; a peer relation has one. */
  ends: RelationEnd[];
  /** app name -> app databag. */
  appData: Record<string, Record<string, string>>;
  /** unit name -> unit databag (kept after departure, for the relation's lifetime: §3). */
  unitData: Record<string, Record<string, string>>;
  /** unit name -> remote units it has seen joined and not yet departed (relation-list). */
  scope: Record<string, string[]>;
  /** Set once remove-relation starts (relation-ids: juju-version.ts relationIdsDuringRemoval). */
  dying: boolean;
}

export type SecretOwnerKind = "application" | "unit" | "model";

export interface SecretRevision {
  revision: number;
  /** key -> base64 value, as Juju stores it. */
  content: Record<string, string>;
  createdAt: string;
  /** ISO expiry time of this revision: --expire given with the content that made it (or set on it later). */
  expireAt?: string;
  /** After secret-expired fired: when it fires again if the revision is still there (Juju's ExpireRetryDelay). */
  expireRetryAt?: string;
}

export interface SecretGrant {
  /** Relation the grant is scoped to; null for user secrets granted with grant-secret. */
  relationId: number | null;
  /** Application or unit name that may view the secret. */
  target: string;
}

export interface SecretState {
  /** 20-char xid, [0-9a-v]{20}. URI is secret://<model-uuid>/<id>. */
  id: string;
  ownerKind: SecretOwnerKind;
  /** App name for application secrets, unit name for unit secrets, "model" for user secrets. */
  owner: string;
  /** Owner's label. */
  label?: string;
  description?: string;
  /** never, hourly, daily, weekly, monthly, quarterly, yearly. */
  rotatePolicy?: string;
  /** ISO time of the next secret-rotate, set with the policy. */
  nextRotateAt?: string;
  /** While a secret-rotate is queued or running: the schedule it fired for and the latest revision then. */
  rotating?: { scheduledAt: string; revision: number };
  revisions: SecretRevision[];
  grants: SecretGrant[];
  /**
   * Unit -> revision it tracks, from its first secret-get on. Units of the owning application track
   * too (Juju >= 3.1.7): their tracking holds a revision and they get secret-changed like observers.
   */
  tracking: Record<string, number>;
  /** Consumer (unit name) -> its own label for this secret. */
  consumerLabels: Record<string, string>;
  /** User-secret name given to `sim add-secret`. */
  name?: string;
  /** Revisions the owner was already sent secret-remove for (Juju sends it once per revision). */
  removalNotified?: number[];
}

export type HookEvent =
  | { kind: "hook"; name: string; env?: Record<string, string> }
  /** Controller bookkeeping that runs no process (a removed unit leaving the model). */
  | { kind: "internal"; name: "unit-removed" }
  | { kind: "action"; name: string; id: string; params: Record<string, unknown> };

export interface QueuedEvent {
  unit: string;
  event: HookEvent;
}

export type ActionStatus = "pending" | "running" | "completed" | "failed";

export interface ActionRecord {
  id: string;
  unit: string;
  name: string;
  params: Record<string, unknown>;
  status: ActionStatus;
  message?: string;
  /** Nested results built from action-set dotted keys, plus stdout/stderr/return-code. */
  results: Record<string, unknown>;
  log: string[];
}

export interface ModelState {
  uuid: string;
  name: string;
  /**
   * The Juju version the model behaves as (JUJU_VERSION in hooks; rules that changed between 3.1,
   * 3.4 and 3.6 follow it: juju-version.ts). Absent in models saved before it existed: 3.6.4.
   */
  jujuVersion?: string;
  /** Simulated clock offset in ms added to real time (`sim advance`), for rotate/expire. */
  clockOffsetMs: number;
  apps: Record<string, AppState>;
  units: Record<string, UnitState>;
  relations: RelationState[];
  nextRelationId: number;
  secrets: Record<string, SecretState>;
  queue: QueuedEvent[];
  actions: Record<string, ActionRecord>;
  nextActionId: number;
  /**
   * "127.X.Y.": each model gets its own /24 of loopback, so two models (tests run in parallel)
   * never bind the same address; units get <prefix>2, <prefix>3, ...
   */
  addressPrefix: string;
  /** Last octet handed out for unit addresses. */
  nextAddressOctet: number;
}

/** A juju-log or hook output line, in order, per unit. */
export interface LogLine {
  unit: string;
  hook: string;
  level: string;
  message: string;
}

/**
 * The writes of one hook, buffered until it exits 0 (§1.5). Status, workload version, juju-log and
 * action-log are immediate and do not appear here; the hook tools write those straight into the model.
 */
export interface PendingChanges {
  /** relationId -> unit or app name -> key -> value ("" deletes). */
  relationSets: Record<number, Record<string, Record<string, string>>>;
  stateSets: Record<string, string | null>;
  openPorts: string[];
  closePorts: string[];
  secretCreates: SecretState[];
  /** secret id -> content update and/or metadata update. */
  secretUpdates: Record<
    string,
    {
      content?: Record<string, string>;
      label?: string;
      description?: string;
      rotatePolicy?: string;
      /** Absolute expiry from --expire, computed when the tool ran (Juju's clock, not the commit's). */
      expireAt?: string;
    }
  >;
  secretRemoves: { id: string; revision: number | null }[];
  secretGrants: { secretId: string; relationId: number; target: string }[];
  secretRevokes: { secretId: string; relationId: number | null; target: string | null }[];
  /** secret id -> revision the unit now tracks (--refresh, first read). */
  secretTracks: Record<string, number>;
  /** secret id -> consumer label set with secret-get --label. */
  secretConsumerLabels: Record<string, string>;
}

/** What a running hook knows: its unit, its event and the relation/secret it is about. */
export interface HookContextInfo {
  contextId: string;
  unit: string;
  hookName: string; // e.g. "secrets-relation-changed", or "" for actions
  dispatchPath: string; // hooks/<name> or actions/<name>
  relationId: number | null;
  remoteUnit: string | null;
  remoteApp: string | null;
  departingUnit: string | null;
  secretId: string | null;
  secretRevision: number | null;
  actionId: string | null;
}
