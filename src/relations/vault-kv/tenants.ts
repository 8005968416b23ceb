// Who owns each Vault object a consumer gets. Identity is what Juju says, never what a requirer
// writes: the application at the other end of the relation and the unit in relation-list.
//
// - A mount (a v0 application's kv-v2 mount, a legacy backend) is owned by one application. The
//   claim is recorded in the peer relation, so every future leader enforces it, and it outlives the
//   relation: the data is kept when a consumer leaves, so the name stays its owner's. A mount that
//   Vault holds but the record does not (made by an earlier version of the charm) belongs to the
//   application its description names; one with no such description belongs to nobody we serve.
// - A v0 mount is never shared: a name already owned by someone else is replaced by a fallback
//   name derived from the requesting identity (v0 requirers read the name from `mount`), so no
//   squatter can deny an application its mount.
// - A legacy backend may be shared by other applications with isolated=true only (their units
//   reach their own host path alone), unless the operator lists it in kv-shared-backends; no unit
//   may hold a backend non-isolated while another unit holds an isolated path in it; a host path is
//   one unit's, unless the other holder is bound to the same address (the same machine).
// - AppRoles and policies are named per consumer unit; a name already held by another unit's
//   record gets a fallback name, so two identities never share a role.
import { sha256Hex } from "../../lazy-builtins.js";
import { peerAppValue, setPeerAppValues } from "../peers.js";
import type { MountInfo } from "../../vault/sys.js";
import type { Ledger } from "./ledger.js";
import { isManagedName } from "./naming.js";
import type { Dialect, LegacyRequest } from "./requests.js";

const TENANCY_KEY = "vault-kv-tenants";
/** How the charm describes a consumer mount it creates; the owner is the application named. */
const DESCRIPTION = /^vault-kv for ([a-z][a-z0-9-]*?)(?:\/\d+)? \(managed by the vault charm\)$/;
const MAX_NAME = 128;

export interface MountOwner {
  app: string;
  dialect: Dialect;
  /** v0: the requirer's mount_suffix the mount was made for. */
  suffix?: string;
}

export function mountDescription(app: string): string {
  return `vault-kv for ${app} (managed by the vault charm)`;
}

const shortHash = (...parts: string[]) => sha256Hex(parts.join("\n")).slice(0, 8);

/** `<name>-<hash>`, cut so it stays a valid managed name. */
function fallbackName(preferred: string, ...identity: string[]): string {
  return `${preferred.slice(0, MAX_NAME - 9).replace(/-+$/, "")}-${shortHash(...identity)}`;
}

export class Tenancy {
  private constructor(
    private readonly before: string,
    private readonly owners: Record<string, MountOwner>,
    private readonly mounts: Record<string, MountInfo>,
  ) {}

  static read(app: string, mounts: Record<string, MountInfo>): Tenancy {
    const raw = peerAppValue(app, TENANCY_KEY) ?? "";
    let owners: Record<string, MountOwner> = {};
    try {
      const parsed = raw ? (JSON.parse(raw) as unknown) : {};
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) owners = parsed as Record<string, MountOwner>;
    } catch {
      owners = {};
    }
    return new Tenancy(raw, owners, mounts);
  }

  /** The mount's owner: recorded, or named by the description of a mount an earlier version made. */
  owner(mount: string): MountOwner | "unknown" | null {
    const recorded = this.owners[mount];
    if (recorded) return recorded;
    const existing = this.mounts[mount];
    if (!existing) return null;
    const named = DESCRIPTION.exec(existing.description);
    if (!named) return "unknown";
    return { app: named[1]!, dialect: existing.version === "2" ? "v0" : "legacy" };
  }

  private claim(mount: string, owner: MountOwner): void {
    this.owners[mount] = owner;
  }

  /**
   * The mount a v0 application gets for a suffix: `<prefix><app>-<suffix>` when that is free or
   * already its own, else a fallback derived from (app, suffix). Null when every candidate is taken.
   */
  v0Mount(app: string, suffix: string, preferred: string): string | null {
    const candidates = [preferred, ...[1, 2, 3].map((i) => fallbackName(preferred, app, suffix, String(i)))];
    const mine = (owner: MountOwner | "unknown" | null) => owner !== null && owner !== "unknown" && owner.dialect === "v0" && owner.app === app && (owner.suffix ?? suffix) === suffix;
    const chosen = candidates.find((c) => mine(this.owner(c))) ?? candidates.find((c) => this.owner(c) === null);
    if (chosen) this.claim(chosen, { app, dialect: "v0", suffix });
    return chosen ?? null;
  }

  /** Why `app`'s unit may not use this legacy backend as asked, or null (and the claim is made). */
  legacyBackendProblem(backend: string, app: string, request: LegacyRequest, ledger: Ledger, key: string, shared: ReadonlySet<string>): string | null {
    const owner = this.owner(backend);
    if (owner === "unknown") return `backend ${backend} already exists in Vault and was not made for a vault-kv consumer`;
    if (owner?.dialect === "v0") return `backend ${backend} is the v0 mount of application ${owner.app}`;
    if (owner && owner.app !== app && !request.isolated && !shared.has(backend)) {
      return `backend ${backend} belongs to application ${owner.app}; another application may use it only with isolated=true (or an operator lists it in kv-shared-backends)`;
    }
    const others = Object.entries(ledger).filter(([k, r]) => k !== key && r.dialect === "legacy" && r.mount === backend && r.unit !== request.unit);
    if (!shared.has(backend)) {
      const open = others.find(([, r]) => r.isolated === false);
      if (open && request.isolated) return `backend ${backend} is used without isolation by ${open[1].unit}, which could read this unit's path`;
      const closed = others.find(([, r]) => r.isolated !== false);
      if (closed && !request.isolated) return `backend ${backend} holds the isolated path of ${closed[1].unit}; isolated=false would reach it`;
    }
    if (request.isolated) {
      const holder = others.find(([, r]) => r.hostname === request.hostname && r.access !== request.accessCidr);
      if (holder) return `hostname ${request.hostname} in backend ${backend} is already used by ${holder[1].unit}`;
    }
    if (!owner) this.claim(backend, { app, dialect: "legacy" });
    return null;
  }

  /** Claims that no longer matter (mount gone from Vault and from every record) are dropped; writes if changed. */
  write(app: string, ledger: Ledger): void {
    const used = new Set(Object.values(ledger).map((r) => r.mount));
    for (const mount of Object.keys(this.owners)) if (!this.mounts[mount] && !used.has(mount)) delete this.owners[mount];
    const next = Object.keys(this.owners).length ? JSON.stringify(this.owners) : "";
    if (next !== this.before) setPeerAppValues(app, { [TENANCY_KEY]: next });
  }
}

/**
 * The AppRole (and policy) name for a consumer unit: its record's, when it has one under the same
 * mount; else `preferred`, or a fallback derived from the ledger key when another unit holds that.
 */
export function consumerRoleName(ledger: Ledger, key: string, preferred: string, prefix: string, mount: string): string {
  const current = ledger[key];
  if (current && current.mount === mount && isManagedName(current.role, prefix)) return current.role;
  const taken = new Set(Object.entries(ledger).filter(([k]) => k !== key).map(([, r]) => r.role));
  return taken.has(preferred) ? fallbackName(preferred, key) : preferred;
}
