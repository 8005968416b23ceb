// The local Vault workload on this unit: the snap, TLS material, where it stores its data (storage.ts),
// the rendered config and the service. Files are rewritten and Vault restarted only when what they
// should hold changed.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Hook } from "./hook.js";
import { memoTrusted, recall, remember } from "./hook-memo.js";
import { healthAfterStart } from "./lifecycle.js";
import { networkGet, openPort, secretAdd, secretGet, SecretNotFoundError, setWorkloadVersion, unitGet } from "./juju/index.js";
import { VAULT_CA_LABEL } from "./secrets/catalog.js";
import { blocked, waiting, type Verdict } from "./status.js";
import { canLockMemory, readFileOrNull, readJsonOrNull, writeFileIfChanged } from "./vault/files.js";
import { renderVaultConfig, withoutLocalListener, type EtcdStorage } from "./vault/hcl.js";
import { prepareLocalSocket, socketAnswers } from "./vault/local-socket.js";
import { VaultClient } from "./vault/client.js";
import { installRestartTrigger, startedByCharm, takeRestartedFlag } from "./restart-trigger.js";
import { moveToEtcd, planStorage, recordOnEtcd } from "./storage.js";
import { vaultPaths } from "./vault/paths.js";
import * as service from "./vault/service.js";
import { renderVaultUnit } from "./vault/systemd.js";
import { createCharmCa, issueServerCertificate, serverCertificateRenewalDue, type KeyedCertificate } from "./vault/tls.js";

export const VAULT_API_PORT = 8200;
export const VAULT_CLUSTER_PORT = 8201;
export const CA_SECRET_LABEL = VAULT_CA_LABEL;

/** Where this unit's Vault answers, once it runs. */
export interface VaultEndpoint {
  url: string;
  caPem: string;
  address: string;
  /** The local Vault's Unix socket, when it listens there: the charm's own requests go through it. */
  socketPath?: string;
}

export interface WorkloadResult {
  verdicts: Verdict[];
  endpoint: VaultEndpoint | null;
  /** Whether this hook restarted (or first started) Vault. */
  restarted: boolean;
}

/** The application's CA: created once by the leader and kept in an app-owned Juju secret. */
async function readOrCreateCa(hook: Hook): Promise<KeyedCertificate | null> {
  try {
    const content = secretGet({ label: CA_SECRET_LABEL });
    if (content.certificate && content["private-key"]) return { certPem: content.certificate, keyPem: content["private-key"] };
  } catch (error) {
    if (!(error instanceof SecretNotFoundError)) throw error;
  }
  if (!hook.isLeader) return null;
  hook.log.info("creating the application's CA for Vault's API");
  const ca = await createCharmCa();
  secretAdd(
    { certificate: ca.certPem, "private-key": ca.keyPem },
    { label: CA_SECRET_LABEL, description: "CA of the vault charm's TLS certificates" },
  );
  return ca;
}

/** The unit's address; Juju runs config-changed before any update-status when it changes. */
function unitAddress(): string {
  const known = recall("address");
  if (known) return known;
  const network = networkGet("vault-peers");
  const address = network.bindAddresses[0] ?? network.ingressAddresses[0] ?? unitGet("private-address");
  remember("address", address);
  return address;
}

/** The CA this unit's Vault certificate is signed by; its key is read only to issue one. */
interface CaInUse {
  certPem: string;
  keyed: () => Promise<KeyedCertificate | null>;
}

/**
 * In an update-status that trusts the last hook (src/hook-memo.ts), the CA that hook wrote beside
 * Vault's certificate is the secret's: only the leader creates it, once, and a new revision would
 * have come with secret-changed first. Otherwise, and when the file is missing, the secret.
 */
async function caInUse(hook: Hook): Promise<CaInUse | null> {
  const onDisk = memoTrusted() ? readFileOrNull(join(vaultPaths().tlsDir, "ca.crt")) : null;
  if (onDisk) return { certPem: onDisk, keyed: () => readOrCreateCa(hook) };
  const ca = await readOrCreateCa(hook);
  return ca && { certPem: ca.certPem, keyed: () => Promise.resolve(ca) };
}

/**
 * The certificate check (X.509 parsing and a signature check, and node:crypto to load), or what the
 * last hook found for the very same certificate, CA and address: update-status takes that as given.
 */
function certificateIsCurrent(certPem: string, caPem: string, address: string): boolean {
  const known = recall("serverCertificate");
  const same = known && known.cert === certPem && known.ca === caPem && known.address === address && typeof known.renewalDueMs === "number";
  const due = same ? known.renewalDueMs : serverCertificateRenewalDue(certPem, caPem, [address]);
  if (due === null) return false;
  remember("serverCertificate", { cert: certPem, ca: caPem, address, renewalDueMs: due });
  return Date.now() < due;
}

/** Keeps the unit's server certificate signed by the current CA and covering its address. */
async function ensureServerCertificate(ca: CaInUse, address: string, hook: Hook): Promise<boolean> {
  const paths = vaultPaths();
  const certFile = join(paths.tlsDir, "vault.crt");
  const current = readFileOrNull(certFile);
  const caChanged = writeFileIfChanged(join(paths.tlsDir, "ca.crt"), ca.certPem, 0o644);
  if (current && !caChanged && certificateIsCurrent(current, ca.certPem, address)) return false;
  const keyed = await ca.keyed();
  if (!keyed) return false; // the CA secret cannot be read now: the next hook looks again
  writeFileIfChanged(join(paths.tlsDir, "ca.crt"), keyed.certPem, 0o644);
  hook.log.info(`issuing this unit's Vault certificate for ${address}`);
  const server = await issueServerCertificate(keyed, {
    commonName: hook.juju.unitName.replace("/", "-"),
    ipAddresses: [address],
    dnsNames: ["localhost"],
  });
  writeFileIfChanged(join(paths.tlsDir, "vault.key"), server.keyPem, 0o600);
  writeFileIfChanged(certFile, server.certPem + keyed.certPem, 0o600);
  return true;
}

/**
 * `vault version` costs a Go binary's start-up (~150 ms) on every hook; its answer only changes
 * with the snap's revision, so it is kept beside the config, keyed by that revision.
 */
function cachedVaultBuild(snap: service.InstalledSnap): service.VaultBuild | null {
  const file = join(vaultPaths().common, "charm-vault-build.json");
  const key = `${snap.channel} ${snap.revision} ${snap.version}`;
  // An unreadable cache is no cache: the binary is asked.
  const cached = readJsonOrNull(file) as { key?: string; build?: service.VaultBuild } | null;
  if (cached?.key === key && cached.build) return cached.build;
  const build = service.vaultBuild();
  if (build) writeFileIfChanged(file, JSON.stringify({ key, build }), 0o644);
  return build;
}

/** Whether a Vault just started on the rendered config is initialised; null when it does not answer in time. */
async function probeInitialised(url: string, caPem: string): Promise<boolean | null> {
  return (await healthAfterStart(new VaultClient({ url, caPem, timeoutMs: 5000 }), true))?.initialized ?? null;
}

/**
 * Juju keeps the version once set, and only this charm sets it: told again only when it changed
 * (a note in the charm's state), which spares a hook-tool call in every hook.
 */
function publishWorkloadVersion(version: string): void {
  const note = join(vaultPaths().charmState, "workload-version");
  if (readFileOrNull(note) === version) return;
  setWorkloadVersion(version);
  writeFileIfChanged(note, version, 0o644);
}

export async function reconcileWorkload(hook: Hook): Promise<WorkloadResult> {
  const result: WorkloadResult = { verdicts: [], endpoint: null, restarted: false };
  if (hook.config.vaultUrl) return result; // external-Vault mode runs no local Vault

  let snap = recall("snap") ?? service.installedVaultSnap();
  if (snap === null) {
    hook.log.info(`installing the vault snap from ${hook.config.channel}`);
    service.installVault(hook.config.channel);
    snap = service.installedVaultSnap();
  } else if (snap.channel !== hook.config.channel) {
    hook.log.info(`moving the vault snap from ${snap.channel} to ${hook.config.channel}`);
    service.refreshVault(hook.config.channel);
    snap = service.installedVaultSnap();
  }

  if (snap) remember("snap", snap);
  const build = snap && cachedVaultBuild(snap);
  if (!build) {
    result.verdicts.push(blocked("The vault snap is installed but `vault version` does not answer"));
    return result;
  }
  publishWorkloadVersion(build.version);

  const ca = await caInUse(hook);
  if (!ca) {
    result.verdicts.push(waiting("Waiting for the leader to create the Vault CA"));
    return result;
  }
  const storage = await planStorage(hook, build.implementation);
  result.verdicts.push(...storage.verdicts);
  if (storage.halt) {
    if (service.isVaultServiceActive()) {
      hook.log.warn("stopping Vault: its data is in etcd, which this unit can no longer reach");
      service.stopVaultService();
    }
    return result;
  }
  if (storage.holdIfStopped && !service.isVaultServiceActive()) return result;
  const address = unitAddress();
  const paths = vaultPaths();
  const url = `https://${address}:${VAULT_API_PORT}`;
  const certChanged = await ensureServerCertificate(ca, address, hook);
  const localSocket = prepareLocalSocket(paths.localSocket);
  const render = (etcd: EtcdStorage | null): string =>
    renderVaultConfig({
      address,
      apiPort: VAULT_API_PORT,
      clusterPort: VAULT_CLUSTER_PORT,
      tlsCertFile: join(paths.tlsDir, "vault.crt"),
      tlsKeyFile: join(paths.tlsDir, "vault.key"),
      fileStoragePath: paths.fileStorageDir,
      raftNodeId: build.implementation === "openbao" ? hook.juju.unitName.replace("/", "-") : null,
      etcd,
      defaultLeaseTtl: hook.config.defaultLeaseTtl,
      maxLeaseTtl: hook.config.maxLeaseTtl,
      logLevel: hook.config.logLevel,
      disableMlock: build.implementation === "openbao" ? null : !canLockMemory(),
      localSocket,
    });
  let etcd = storage.etcd;
  if (etcd && storage.move) {
    const failed = await moveToEtcd(hook, {
      etcd,
      configFile: paths.configFile,
      fileStoragePath: paths.fileStorageDir,
      fileConfig: render(null),
      etcdConfig: render(etcd),
      probeInitialised: () => probeInitialised(url, ca.certPem),
    });
    if (failed) {
      result.verdicts.push(failed);
      etcd = null;
    }
  }
  const previousConfig = readFileOrNull(paths.configFile);
  const config = render(etcd);
  // Compared with what was just read: writeFileIfChanged would read the file again.
  let configChanged = previousConfig !== config && writeFileIfChanged(paths.configFile, config, 0o600);
  if (configChanged && previousConfig !== null && withoutLocalListener(previousConfig) === withoutLocalListener(config)) {
    hook.log.info("Vault's configuration now has the charm's local socket, which Vault opens at its next start (no restart for it alone)");
    configChanged = false;
  }
  if (writeFileIfChanged(paths.systemdUnit, renderVaultUnit(paths.configFile, installRestartTrigger(hook)), 0o644)) {
    service.reloadSystemdUnits();
    service.enableVaultService();
  }

  // Restarted by systemd behind the charm's back (src/restart-trigger.ts): it may not answer yet.
  if (takeRestartedFlag()) result.restarted = true;
  let started = false;
  // Vault listening on its socket runs; systemd is asked only when it does not answer there.
  const listening = localSocket !== null && existsSync(localSocket) && (await socketAnswers(localSocket));
  if (!listening && !service.isVaultServiceActive()) {
    hook.log.info("starting Vault");
    startedByCharm(service.startVaultService);
    openPort(VAULT_API_PORT);
    started = true;
  } else if (configChanged || certChanged || storage.restart) {
    const why = configChanged ? "configuration" : certChanged ? "certificate" : "etcd CA";
    hook.log.info(`restarting Vault: ${why} changed`);
    startedByCharm(service.restartVaultService);
    started = true;
  }
  if (started) result.restarted = true;
  // Asked again only after a start or restart: one that was running and was left alone still is, as
  // far as this hook can tell (a process spawn fewer in every hook).
  if (started && !service.isVaultServiceActive()) {
    result.verdicts.push(blocked("Vault failed to start: see the unit log and `journalctl -u vault`"));
    return result;
  }
  if (etcd) recordOnEtcd(hook, etcd);
  // The socket, when Vault answered there or was just (re)started with this config (which has it);
  // otherwise (a Vault started before the charm rendered the socket, or a stale socket file) TCP.
  const overSocket = localSocket !== null && (listening || started);
  result.endpoint = { url, caPem: ca.certPem, address, ...(overSocket ? { socketPath: localSocket } : {}) };
  return result;
}
