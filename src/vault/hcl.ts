// Renders Vault's server configuration. Values are written as JSON strings, which HCL accepts
// verbatim, so no relation or config value can break out of its quotes.

export interface EtcdStorage {
  endpoints: string[];
  prefix: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface VaultServerConfig {
  /** The unit's own address: Vault listens and advertises there. */
  address: string;
  apiPort: number;
  clusterPort: number;
  tlsCertFile: string;
  tlsKeyFile: string;
  fileStoragePath: string;
  /**
   * OpenBao has no `file` backend: single-node integrated storage (raft) in the same directory,
   * with this node id, takes its place.
   */
  raftNodeId: string | null;
  /** When set, storage (and the HA lock) live in etcd instead of the file backend. */
  etcd: EtcdStorage | null;
  defaultLeaseTtl: string;
  maxLeaseTtl: string;
  logLevel: string;
  /** null: leave the line out (OpenBao refuses to start with any disable_mlock setting). */
  disableMlock: boolean | null;
  /** A Unix socket for the charm's own requests (in a directory only root may enter); null: none. */
  localSocket: string | null;
}

const q = (value: string): string => JSON.stringify(value);

function etcdStanza(stanza: string, etcd: EtcdStorage): string[] {
  return [
    `${stanza} "etcd" {`,
    `  address    = ${q(etcd.endpoints.join(","))}`,
    `  path       = ${q(etcd.prefix)}`,
    '  etcd_api   = "v3"',
    '  ha_enabled = "true"',
    `  tls_ca_file   = ${q(etcd.caFile)}`,
    `  tls_cert_file = ${q(etcd.certFile)}`,
    `  tls_key_file  = ${q(etcd.keyFile)}`,
    "}",
  ];
}

/** The `vault operator migrate` configuration that copies file storage into etcd. */
export function renderMigrationConfig(fileStoragePath: string, etcd: EtcdStorage): string {
  return ["# Rendered by the vault charm for one storage move; removed afterwards.", 'storage_source "file" {', `  path = ${q(fileStoragePath)}`, "}", ...etcdStanza("storage_destination", etcd), ""].join("\n");
}

/**
 * The charm's own listener: plain HTTP on a Unix socket in a 0700 directory, so a hook reaches its
 * local Vault without loading TLS or making a handshake. No socket_mode/user/group: Vault applies
 * those only all three together, with a chown a confined snap may not be allowed; the directory
 * is what keeps others out.
 */
const localListener = (socket: string): string[] => ['listener "unix" {', `  address = ${q(socket)}`, "}", ""];

/**
 * The configuration without the local socket's listener: a config that differs from the running
 * one in that listener alone needs no restart (Vault opens it at its next start), so upgrading the
 * charm does not seal every unit of a running cluster.
 */
export function withoutLocalListener(config: string): string {
  return config.replace(/^listener "unix" \{\n(?:[^}\n]*\n)*?\}\n\n/m, "");
}

export function renderVaultConfig(c: VaultServerConfig): string {
  const storage = c.etcd
    ? etcdStanza("storage", c.etcd)
    : c.raftNodeId
      ? ['storage "raft" {', `  path    = ${q(c.fileStoragePath)}`, `  node_id = ${q(c.raftNodeId)}`, "}"]
      : ['storage "file" {', `  path = ${q(c.fileStoragePath)}`, "}"];
  return [
    "# Rendered by the vault charm on every hook; local edits are replaced.",
    "ui = false",
    ...(c.disableMlock === null ? [] : [`disable_mlock = ${c.disableMlock}`]),
    `api_addr = ${q(`https://${c.address}:${c.apiPort}`)}`,
    `cluster_addr = ${q(`https://${c.address}:${c.clusterPort}`)}`,
    `default_lease_ttl = ${q(c.defaultLeaseTtl)}`,
    `max_lease_ttl = ${q(c.maxLeaseTtl)}`,
    `log_level = ${q(c.logLevel)}`,
    "",
    'listener "tcp" {',
    `  address         = ${q(`${c.address}:${c.apiPort}`)}`,
    `  cluster_address = ${q(`${c.address}:${c.clusterPort}`)}`,
    `  tls_cert_file   = ${q(c.tlsCertFile)}`,
    `  tls_key_file    = ${q(c.tlsKeyFile)}`,
    '  tls_min_version = "tls12"',
    "}",
    "",
    ...(c.localSocket ? localListener(c.localSocket) : []),
    ...storage,
    "",
  ].join("\n");
}
