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
