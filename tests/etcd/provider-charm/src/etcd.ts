// The cluster's RBAC through the real etcdctl, as root (authenticated by its client certificate's
// CN), the calls Charmed etcd makes (reference §5.3): one user per requirer, named after its
// certificate's CN, with no password, and a role of the same name with readwrite on its prefix.
// Every change is preceded by a read, so a hook with nothing to change writes nothing to etcd.
import { spawnSync } from "node:child_process";
import type { ClusterDescriptor } from "../../control.js";

interface Permission {
  /** 0 read, 1 write, 2 readwrite; etcdctl's JSON omits 0. */
  permType?: number;
  /** base64 */
  key: string;
  range_end?: string;
}

const READWRITE = 2;

export class EtcdctlError extends Error {}

/** The exclusive end of a prefix range, as `--prefix=true` computes it: last byte + 1. */
export function prefixRangeEnd(prefix: string): string {
  const bytes = Buffer.from(prefix);
  bytes[bytes.length - 1]! += 1;
  return bytes.toString();
}

export class Etcd {
  /** What this hook changed in etcd, for the log. */
  readonly changes: string[] = [];

  constructor(private readonly cluster: ClusterDescriptor) {}

  private run(args: string[], endpoints = this.cluster.endpoints): string {
    const result = spawnSync(
      this.cluster.etcdctl,
      [
        `--endpoints=${endpoints.join(",")}`,
        `--cacert=${this.cluster.caFile}`,
        `--cert=${this.cluster.root.certFile}`,
        `--key=${this.cluster.root.keyFile}`,
        "--dial-timeout=3s",
        "--command-timeout=8s",
        ...args,
      ],
      { encoding: "utf8", env: { ETCDCTL_API: "3", PATH: process.env.PATH ?? "/usr/bin:/bin" }, timeout: 30_000 },
    );
    if (result.status === 0) return result.stdout;
    // etcdctl prints its gRPC retries as JSON log lines, then "Error: <reason>".
    const reason = /^Error: (.*)$/m.exec(result.stderr)?.[1] ?? (result.error?.message || result.stderr.trim().split("\n").pop() || `exit ${result.status}`);
    throw new EtcdctlError(`etcdctl ${args.slice(0, 2).join(" ")}: ${reason}`);
  }

  private write(description: string, args: string[]): void {
    this.run(args);
    this.changes.push(description);
  }

  /** The parsed JSON answer, or null when etcd says the named user or role does not exist. */
  private getJson<T>(args: string[]): T | null {
    try {
      return JSON.parse(this.run([...args, "-w", "json"])) as T;
    } catch (error) {
      if (error instanceof EtcdctlError && /(user|role) name not found/.test(error.message)) return null;
      throw error;
    }
  }

  users(): string[] {
    return this.getJson<{ users?: string[] }>(["user", "list"])?.users ?? [];
  }

  roles(): string[] {
    return this.getJson<{ roles?: string[] }>(["role", "list"])?.roles ?? [];
  }

  /** The version the first answering member reports (Charmed etcd: `endpoint status` -> Status.version). */
  version(): string {
    let lastError: unknown = null;
    for (const endpoint of this.cluster.endpoints) {
      try {
        const [status] = JSON.parse(this.run(["endpoint", "status", "-w", "json"], [endpoint])) as { Status?: { version?: string } }[];
        if (status?.Status?.version) return status.Status.version;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError ?? new EtcdctlError("no member reported its version");
  }

  /** User `name` with exactly the role `name`, which grants exactly readwrite on `prefix` as a prefix. */
  ensureClient(name: string, prefix: string): void {
    const user = this.getJson<{ roles?: string[] }>(["user", "get", name]);
    if (!user) this.write(`user ${name} added`, ["user", "add", name, "--no-password"]);
    const role = this.getJson<{ perm?: Permission[] }>(["role", "get", name]);
    if (!role) this.write(`role ${name} added`, ["role", "add", name]);
    const perms = role?.perm ?? [];
    const wanted = { key: Buffer.from(prefix).toString("base64"), end: Buffer.from(prefixRangeEnd(prefix)).toString("base64") };
    const exact = perms.length === 1 && perms[0]!.permType === READWRITE && perms[0]!.key === wanted.key && perms[0]!.range_end === wanted.end;
    if (!exact) {
      for (const p of perms) {
        const [key, end] = [Buffer.from(p.key, "base64").toString(), p.range_end ? Buffer.from(p.range_end, "base64").toString() : undefined];
        // "--": a stored key could begin with "-".
        this.write(`role ${name}: revoked ${JSON.stringify(key)}`, ["role", "revoke-permission", "--", name, key, ...(end === undefined ? [] : [end])]);
      }
      this.write(`role ${name}: readwrite on prefix ${prefix}`, ["role", "grant-permission", name, "--prefix=true", "readwrite", prefix]);
    }
    const roles = user?.roles ?? [];
    for (const other of roles.filter((r) => r !== name)) this.write(`user ${name}: revoked role ${other}`, ["user", "revoke-role", "--", name, other]);
    if (!roles.includes(name)) this.write(`user ${name}: granted role ${name}`, ["user", "grant-role", name, name]);
  }

  /** Deletes the user and its role; either may already be gone (a rerun after a failed hook). */
  deleteClient(name: string): void {
    for (const kind of ["user", "role"]) {
      if (this.getJson([kind, "get", name]) !== null) this.write(`${kind} ${name} deleted`, [kind, "delete", name]);
    }
  }
}
