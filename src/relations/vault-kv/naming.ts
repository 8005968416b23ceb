// Vault-side names derived from Juju names, one function each, each result checked against a strict
// pattern: a hostile relation value can never name another mount, policy or role (DESIGN.md §2).

/** Mounts, policies and roles the charm manages all match this (prefix added by the caller). */
const MANAGED_NAME = /^[a-z0-9][a-z0-9-]{0,126}[a-z0-9]$/;

export class UnsafeNameError extends Error {}

function checked(name: string, prefix: string): string {
  if (!name.startsWith(prefix) || !MANAGED_NAME.test(name)) {
    throw new UnsafeNameError(`refusing Vault name ${JSON.stringify(name.slice(0, 80))}: not a ${prefix}* name`);
  }
  return name;
}

/** `<app>/<n>` or `<uuid>-<app>/<n>` -> the dash form used in Vault names. */
export function unitSlug(unitName: string): string {
  return unitName.replace("/", "-");
}

/** Legacy dialect: the requirer chose the backend; it must carry the managed prefix. */
export function legacyMountName(secretBackend: string, prefix: string): string {
  return checked(secretBackend, prefix);
}

/** Legacy dialect: one policy and one AppRole per requirer unit, named after its unit_name. */
export function legacyRoleName(unitName: string, prefix: string): string {
  return checked(`${prefix}${unitSlug(unitName)}`, prefix);
}

/** v0 dialect: `charm-<app>-<suffix>`, shared by the requirer app's units. */
export function v0MountName(app: string, mountSuffix: string, prefix: string): string {
  return checked(`${prefix}${app}-${mountSuffix}`, prefix);
}

/** v0 dialect: one policy and AppRole per requirer unit, under its app's mount. */
export function v0RoleName(mount: string, unitName: string, prefix: string): string {
  return checked(`${mount}-${unitSlug(unitName)}`, prefix);
}

export function isManagedName(name: string, prefix: string): boolean {
  return name.startsWith(prefix) && MANAGED_NAME.test(name);
}
