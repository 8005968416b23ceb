// Where this unit's Vault keeps its data: on the machine (file; raft for OpenBao), or in etcd once the
// etcd relation is ready. The move to etcd is one way and loses nothing: the leader copies its file
// data into etcd with Vault's offline migration before any unit starts on etcd; the other units wait
// for the leader's word in the peer databag. A unit that has moved never falls back to its old local
// storage: without etcd it stops Vault and says why.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { recall, remember } from "./hook-memo.js";
import type { Hook } from "./hook.js";
import { setUnitStatus } from "./juju/index.js";
import { CERTIFICATE_IN_USE_KEY } from "./relations/etcd/identity.js";
import { observeEtcd, type EtcdView } from "./relations/etcd/requirer.js";
import { peerAppValue, setPeerAppValues, setPeerUnitValues } from "./relations/peers.js";
import { blocked, waiting, type Verdict } from "./status.js";
import { readFileOrNull, readJsonOrNull, writeFileIfChanged } from "./vault/files.js";
import { renderMigrationConfig, type EtcdStorage } from "./vault/hcl.js";
import { vaultPaths } from "./vault/paths.js";
import * as service from "./vault/service.js";
import type { VaultImplementation } from "./vault/service.js";

/** Peer app-databag key: `etcd:<prefix>` once the leader has moved Vault's data there. */
const STORAGE_KEY = "vault-storage";

export interface StoragePlan {
  /** etcd settings to render; null: the machine's own storage. */
  etcd: EtcdStorage | null;
  /** Vault must not run: its data is in etcd, which it can no longer reach. */
  halt: boolean;
  /** On etcd, but the provider is not ready: keep a running Vault as it is, start a stopped one later. */
  holdIfStopped: boolean;
  /** A file Vault reads only at start-up changed (the etcd CA): restart even if the config did not. */
  restart: boolean;
  /** Leader, first time on etcd: move the file data before starting there. */
  move: boolean;
  verdicts: Verdict[];
}

interface Marker {
  backend: "etcd";
  etcd: EtcdStorage;
}

const markerFile = (): string => join(vaultPaths().charmState, "storage.json");
/** Holds the etcd prefix while a copy into it runs; left behind when the copy is cut short. */
const copyingFile = (): string => join(vaultPaths().charmState, "etcd-copy-in-progress");

function readMarker(): Marker | null {
  const parsed = readJsonOrNull(markerFile()) as Partial<Marker> | null;
  return parsed?.backend === "etcd" && parsed.etcd ? (parsed as Marker) : null;
}

/** Records that this unit's Vault now lives on etcd; the leader tells the other units too. */
export function recordOnEtcd(hook: Hook, etcd: EtcdStorage): void {
  writeFileIfChanged(markerFile(), JSON.stringify({ backend: "etcd", etcd } satisfies Marker), 0o600);
  if (hook.isLeader) setPeerAppValues(hook.juju.appName, { [STORAGE_KEY]: `etcd:${etcd.prefix}` });
}

/** The CA, certificate and key Vault's etcd client reads, all 0600. Returns whether the CA changed. */
function writeEtcdFiles(view: Extract<EtcdView, { kind: "ready" }>): { etcd: EtcdStorage; caChanged: boolean } {
  const dir = join(vaultPaths().common, "etcd");
  const etcd: EtcdStorage = {
    endpoints: view.info.uris,
    prefix: view.names.prefix,
    caFile: join(dir, "ca.pem"),
    certFile: join(dir, "client.pem"),
    keyFile: join(dir, "client.key"),
  };
  const caChanged = writeFileIfChanged(etcd.caFile, view.info.caPem, 0o600);
  // Key before certificate: Vault's etcd client re-reads both on each new connection, so a new pair
  // takes effect without a restart (cluster.ts and the etcd tests show the provider side of this).
  writeFileIfChanged(etcd.keyFile, view.identity.keyPem, 0o600);
  writeFileIfChanged(etcd.certFile, view.identity.certPem, 0o600);
  return { etcd, caChanged };
}

const local = (verdicts: Verdict[] = []): StoragePlan => ({ etcd: null, halt: false, holdIfStopped: false, restart: false, move: false, verdicts });

export async function planStorage(hook: Hook, implementation: VaultImplementation): Promise<StoragePlan> {
  // Settled where it was (on etcd with a ready relation, or on the machine with none): changes to
  // the etcd relation, its secrets or the config come with their own hooks (src/hook-memo.ts).
  const settled = recall("storage");
  if (settled !== undefined) return { ...local(), etcd: settled };
  const marker = readMarker();
  const view = await observeEtcd(hook);
  if (view.kind === "absent") {
    if (!marker) {
      remember("storage", null);
      return local();
    }
    const verdict = blocked(`etcd relation removed: Vault's data stays in etcd under ${marker.etcd.prefix}; integrate etcd again to serve it`);
    return { ...local([verdict]), halt: true };
  }
  if (implementation === "openbao") return local([blocked("etcd storage needs HashiCorp Vault: OpenBao has no etcd backend (remove the etcd relation)")]);
  // Already on etcd and the provider is busy (a new certificate, a restart, a new relation that has
  // no user yet): a running Vault keeps what it has; a stopped one waits, as it could not connect.
  if (view.kind === "pending") return { ...local([view.verdict]), etcd: marker?.etcd ?? null, holdIfStopped: marker !== null };

  const { etcd, caChanged } = writeEtcdFiles(view);
  setPeerUnitValues(hook.juju.unitName, { [CERTIFICATE_IN_USE_KEY]: view.identity.fingerprint });
  if (marker) {
    if (!caChanged) remember("storage", etcd);
    return { ...local(), etcd, restart: caChanged };
  }
  if (hook.isLeader) return { ...local(), etcd, move: true };
  if (peerAppValue(hook.juju.appName, STORAGE_KEY) === `etcd:${etcd.prefix}`) return { ...local(), etcd };
  return local([waiting("Waiting for the leader to move Vault's data to etcd")]);
}

export interface StorageMove {
  etcd: EtcdStorage;
  configFile: string;
  fileStoragePath: string;
  /** Vault's configuration on file storage, and on etcd. */
  fileConfig: string;
  etcdConfig: string;
  /** Whether the Vault started on the rendered config is initialised; null when it does not answer. */
  probeInitialised(): Promise<boolean | null>;
}

function startOn(configFile: string, config: string): void {
  writeFileIfChanged(configFile, config, 0o600);
  service.startVaultService();
}

/**
 * Leader, first move: copies the file data into etcd with Vault stopped. An etcd prefix that already
 * holds an initialised Vault is never overwritten (its data wins; the file data stays on disk).
 * Returns a verdict when the move failed; Vault then runs on file storage as before.
 */
export async function moveToEtcd(hook: Hook, m: StorageMove): Promise<Verdict | null> {
  if (!existsSync(join(m.fileStoragePath, "core"))) return null; // nothing stored yet: nothing to move
  const where = `etcd (${m.etcd.prefix})`;
  setUnitStatus("maintenance", `Moving Vault's data from file storage to ${where}`);
  hook.log.info(`moving Vault's data from file storage to ${where}: stopping Vault`);
  service.stopVaultService();
  const fallBack = (why: string): Verdict => {
    hook.log.error(`could not move Vault's data to ${where}: ${why}; starting Vault on file storage again`);
    service.stopVaultService();
    startOn(m.configFile, m.fileConfig);
    return blocked(`Could not move Vault's data to etcd: ${why.slice(0, 200)}`);
  };

  // A copy into this prefix that was cut short (the hook killed, the machine down) leaves part of the
  // data in etcd, which may already look initialised though entries are missing, and Vault's
  // migration lock in the file storage. Then the file data is copied again over that partial copy.
  const interrupted = readFileOrNull(copyingFile()) === m.etcd.prefix;
  if (interrupted) {
    hook.log.warn(`an earlier copy of Vault's data to ${where} was cut short: copying it again`);
  } else {
    startOn(m.configFile, m.etcdConfig);
    const initialised = await m.probeInitialised();
    service.stopVaultService();
    if (initialised === null) return fallBack("Vault did not answer when started on etcd");
    if (initialised) {
      hook.log.warn(`${where} already holds an initialised Vault: using it; this unit's file data is left untouched in ${m.fileStoragePath}`);
      return null;
    }
  }
  const migrationFile = join(vaultPaths().common, "migrate.hcl");
  writeFileIfChanged(migrationFile, renderMigrationConfig(m.fileStoragePath, m.etcd), 0o600);
  writeFileIfChanged(copyingFile(), m.etcd.prefix, 0o600);
  // Only this charm copies this unit's data and hooks never overlap: a lock left in the file storage
  // ("core/_migration") is from a copy that died, and would refuse every copy from now on.
  if (existsSync(join(m.fileStoragePath, "core", "_migration"))) {
    hook.log.warn("removing the migration lock an interrupted copy left in the file storage");
    const reset = service.migrateStorage(migrationFile, undefined, { resetLock: true });
    if (!reset.ok) {
      rmSync(migrationFile, { force: true });
      return fallBack(reset.output);
    }
  }
  const started = Date.now();
  const result = service.migrateStorage(migrationFile);
  rmSync(migrationFile, { force: true });
  // On failure the in-progress note stays: etcd may hold part of the data, so the next try copies again.
  if (!result.ok) return fallBack(result.output);
  rmSync(copyingFile(), { force: true });
  hook.log.info(`moved Vault's data to ${where} in ${Date.now() - started} ms; file storage is kept as it was in ${m.fileStoragePath}`);
  return null;
}
