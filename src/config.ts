// The operator's config, parsed and validated once per hook. Bad values never throw: they become
// messages for a blocked status, and the rest of the charm sees only valid, typed values.

export interface CharmConfig {
  channel: string;
  unsealKeysSecret: string | null;
  tokenTtl: string;
  wrapTtl: string;
  bindCidr: boolean;
  credentialRotation: string;
  /** Lifetime of each secret-id in the charm's own AppRole credentials (a duration; "0" for none). */
  charmSecretIdTtl: string;
  defaultLeaseTtl: string;
  maxLeaseTtl: string;
  logLevel: "trace" | "debug" | "info" | "warn" | "error";
  vaultUrl: string;
  vaultCaCertificate: string;
  vaultAuthSecret: string | null;
  /** Lets vault-url be http:// (credentials in clear text); only for a trusted network. */
  vaultAllowInsecureHttp: boolean;
  kvMountPrefix: string;
  autoRenew: boolean;
  /** Legacy backends any application may use without isolation. */
  kvSharedBackends: string[];
  /** The shortest prefixes a consumer's bound CIDRs may add up to, per family. */
  kvBindMinPrefix: { ipv4: number; ipv6: number };
}

export interface ParsedConfig {
  config: CharmConfig;
  /** "<option>: <why>" for each rejected value (its default is used meanwhile). */
  problems: string[];
}

export const ROTATE_POLICIES = ["never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly"] as const;
const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
/** Vault durations: "90s", "1h30m", "720h" or plain seconds. */
const DURATION = /^(?:\d+|(?:\d+(?:ms|s|m|h|d))+)$/;
const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** A duration config accepted, in whole seconds as Vault stores TTLs; NaN for anything else. */
export function durationSeconds(value: string): number {
  if (!DURATION.test(value)) return Number.NaN;
  if (/^\d+$/.test(value)) return Number(value);
  let total = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(amount) * DURATION_UNITS[unit!]!;
  return Math.floor(total);
}

const SECRET_URI = /^secret:(?:\/\/[0-9a-f-]{36}\/)?[0-9a-v]{20}$/;
/** A Juju secret URI (`secret:<20 base32hex>`, optionally with the model's UUID). */
export const isSecretUri = (value: string): boolean => SECRET_URI.test(value);
const SNAP_CHANNEL = /^[a-z0-9][a-z0-9.-]*(?:\/(?:stable|candidate|beta|edge)(?:\/[a-z0-9-]+)?)?$/;
const MOUNT_PREFIX = /^[a-z][a-z0-9-]{0,30}-$/;

export const DEFAULT_CONFIG: CharmConfig = {
  channel: "1.19/stable",
  unsealKeysSecret: null,
  tokenTtl: "1h",
  wrapTtl: "1h",
  bindCidr: true,
  credentialRotation: "monthly",
  charmSecretIdTtl: "2160h",
  defaultLeaseTtl: "168h",
  maxLeaseTtl: "720h",
  logLevel: "info",
  vaultUrl: "",
  vaultCaCertificate: "",
  vaultAuthSecret: null,
  vaultAllowInsecureHttp: false,
  kvMountPrefix: "charm-",
  autoRenew: true,
  kvSharedBackends: [],
  kvBindMinPrefix: { ipv4: 8, ipv6: 32 },
};

export function parseConfig(raw: Record<string, unknown>): ParsedConfig {
  const problems: string[] = [];
  const config: CharmConfig = { ...DEFAULT_CONFIG };

  const text = (name: string, check: (v: string) => string | null): string | undefined => {
    const value = raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") {
      problems.push(`${name}: expected a string`);
      return undefined;
    }
    const why = check(value.trim());
    if (why) {
      problems.push(`${name}: ${why}`);
      return undefined;
    }
    return value.trim();
  };
  const flag = (name: string): boolean | undefined => {
    const value = raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") {
      problems.push(`${name}: expected true or false`);
      return undefined;
    }
    return value;
  };
  const duration = (v: string) => (DURATION.test(v) ? null : `"${v}" is not a duration like 90s, 30m or 1h`);
  const secretUri = (v: string) => (v === "" || SECRET_URI.test(v) ? null : `"${v}" is not a Juju secret URI`);

  config.channel = text("channel", (v) => (SNAP_CHANNEL.test(v) ? null : `"${v}" is not a snap channel`)) ?? config.channel;
  config.unsealKeysSecret = text("unseal-keys", secretUri) || null;
  config.tokenTtl = text("token-ttl", duration) ?? config.tokenTtl;
  config.wrapTtl = text("wrap-ttl", duration) ?? config.wrapTtl;
  config.bindCidr = flag("bind-cidr") ?? config.bindCidr;
  config.credentialRotation =
    text("credential-rotation", (v) =>
      (ROTATE_POLICIES as readonly string[]).includes(v) ? null : `must be one of ${ROTATE_POLICIES.join(", ")}`,
    ) ?? config.credentialRotation;
  config.charmSecretIdTtl = text("charm-secret-id-ttl", duration) ?? config.charmSecretIdTtl;
  config.defaultLeaseTtl = text("default-lease-ttl", duration) ?? config.defaultLeaseTtl;
  config.maxLeaseTtl = text("max-lease-ttl", duration) ?? config.maxLeaseTtl;
  config.logLevel =
    (text("log-level", (v) => ((LOG_LEVELS as readonly string[]).includes(v) ? null : `must be one of ${LOG_LEVELS.join(", ")}`)) as
      | CharmConfig["logLevel"]
      | undefined) ?? config.logLevel;
  config.vaultUrl =
    text("vault-url", (v) => (v === "" || /^https?:\/\/[^\s/]+(?::\d+)?\/?$/.test(v) ? null : `"${v}" is not an http(s) URL`)) ??
    config.vaultUrl;
  const caPem = text("vault-ca-certificate", (v) => (v === "" || v.includes("-----BEGIN CERTIFICATE-----") ? null : "is not a PEM certificate"));
  // PEM ends with a newline; trimming took it, and consumers compare or concatenate bundles.
  if (caPem) config.vaultCaCertificate = `${caPem}\n`;
  config.vaultAuthSecret = text("vault-auth", secretUri) || null;
  config.vaultAllowInsecureHttp = flag("vault-allow-insecure-http") ?? config.vaultAllowInsecureHttp;
  config.kvMountPrefix =
    text("kv-mount-prefix", (v) => (MOUNT_PREFIX.test(v) ? null : `"${v}" must be lowercase letters, digits and dashes, ending in "-"`)) ??
    config.kvMountPrefix;
  config.autoRenew = flag("auto-renew") ?? config.autoRenew;
  checkDurations(raw, config, problems);
  const backends = text("kv-shared-backends", (v) =>
    v.split(",").every((b) => b.trim() === "" || /^[a-z0-9][a-z0-9-]{0,126}[a-z0-9]$/.test(b.trim())) ? null : "must list backend names (lowercase letters, digits, dashes) separated by commas",
  );
  if (backends !== undefined) config.kvSharedBackends = backends.split(",").map((b) => b.trim()).filter(Boolean);
  const prefixLength = (name: string, max: number): number | undefined => {
    const value = raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
      problems.push(`${name}: must be a whole number from 0 to ${max}`);
      return undefined;
    }
    return value;
  };
  config.kvBindMinPrefix = {
    ipv4: prefixLength("kv-bind-min-prefix-ipv4", 32) ?? config.kvBindMinPrefix.ipv4,
    ipv6: prefixLength("kv-bind-min-prefix-ipv6", 128) ?? config.kvBindMinPrefix.ipv6,
  };
  return { config, problems };
}

/** Go's time.Duration (int64 nanoseconds) ends at 2562047h47m16s; Vault refuses anything longer with a 400. */
export const MAX_DURATION_SECONDS = Math.floor(Number(2n ** 63n - 1n) / 1e9);
const MAX_DURATION_TEXT = "2562047h";

/** Names that are Vault's own paths, or the charm's own role and policy (juju-vault-charm). */
const RESERVED_PREFIXES = ["juju", "sys", "auth", "identity", "cubbyhole", "audit", "token"];

/**
 * What Vault would refuse, checked before anything reaches it: every duration within Go's range and
 * positive where Vault reads 0 as "not set" (a wrap TTL of 0 means no wrapping at all), the lease
 * TTLs in order, consumer token TTLs within the lease maximum (Vault would cut them short silently),
 * and a mount prefix that cannot name Vault's own paths or the charm's own role. A rejected value
 * falls back to its default, which always passes these checks.
 */
function checkDurations(raw: Record<string, unknown>, config: CharmConfig, problems: string[]): void {
  const rejected = (name: string) => problems.some((p) => p.startsWith(`${name}:`));
  const fields: [string, keyof CharmConfig, number][] = [
    ["token-ttl", "tokenTtl", 1],
    ["wrap-ttl", "wrapTtl", 1],
    ["charm-secret-id-ttl", "charmSecretIdTtl", 0],
    ["default-lease-ttl", "defaultLeaseTtl", 1],
    ["max-lease-ttl", "maxLeaseTtl", 1],
  ];
  for (const [name, key, min] of fields) {
    const value = config[key] as string;
    const seconds = durationSeconds(value);
    let why: string | null = null;
    if (seconds > MAX_DURATION_SECONDS) why = `"${value}" is longer than Vault accepts (at most ${MAX_DURATION_TEXT}): use a shorter duration`;
    else if (seconds < min) why = `"${value}" must be at least 1s${name === "wrap-ttl" ? " (0 would turn response wrapping off and hand out bare secret_ids)" : ""}: use e.g. ${DEFAULT_CONFIG[key] as string}`;
    if (why) {
      problems.push(`${name}: ${why}`);
      (config[key] as string) = DEFAULT_CONFIG[key] as string;
    }
  }
  const local = config.vaultUrl === "";
  if (local && durationSeconds(config.defaultLeaseTtl) > durationSeconds(config.maxLeaseTtl)) {
    // Blame the option the operator moved away from its default; both go back if that is not enough.
    const blameMax = raw["max-lease-ttl"] !== undefined && config.maxLeaseTtl !== DEFAULT_CONFIG.maxLeaseTtl;
    problems.push(
      blameMax
        ? `max-lease-ttl: "${config.maxLeaseTtl}" is below default-lease-ttl "${config.defaultLeaseTtl}": raise max-lease-ttl or lower default-lease-ttl first`
        : `default-lease-ttl: "${config.defaultLeaseTtl}" is above max-lease-ttl "${config.maxLeaseTtl}": lower default-lease-ttl or raise max-lease-ttl first`,
    );
    if (blameMax) config.maxLeaseTtl = DEFAULT_CONFIG.maxLeaseTtl;
    else config.defaultLeaseTtl = DEFAULT_CONFIG.defaultLeaseTtl;
    if (durationSeconds(config.defaultLeaseTtl) > durationSeconds(config.maxLeaseTtl)) {
      config.defaultLeaseTtl = DEFAULT_CONFIG.defaultLeaseTtl;
      config.maxLeaseTtl = DEFAULT_CONFIG.maxLeaseTtl;
    }
  }
  const maxLease = durationSeconds(config.maxLeaseTtl);
  for (const [name, key] of [["token-ttl", "tokenTtl"], ["wrap-ttl", "wrapTtl"]] as const) {
    if (!local || rejected(name) || durationSeconds(config[key]) <= maxLease) continue;
    problems.push(`${name}: "${config[key]}" is above max-lease-ttl "${config.maxLeaseTtl}" (Vault would cut it short): lower ${name} or raise max-lease-ttl`);
    config[key] = durationSeconds(DEFAULT_CONFIG[key]) <= maxLease ? DEFAULT_CONFIG[key] : config.maxLeaseTtl;
  }
  const reserved = RESERVED_PREFIXES.find((word) => config.kvMountPrefix.startsWith(`${word}-`) || config.kvMountPrefix === `${word}-`);
  if (reserved && !rejected("kv-mount-prefix")) {
    const why = reserved === "juju" ? "the charm's own AppRole and policy (juju-vault-charm) live under juju-" : `"${reserved}" names Vault's own paths`;
    problems.push(`kv-mount-prefix: "${config.kvMountPrefix}" is reserved (${why}): choose another prefix, e.g. charm- or kv-`);
    config.kvMountPrefix = DEFAULT_CONFIG.kvMountPrefix;
  }
}
