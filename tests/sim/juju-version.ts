// The Juju version a model behaves as, and the rules that changed between the versions the
// simulator knows (3.1, 3.4, 3.6). Each rule names the Juju source it follows.
import type { ModelState } from "./types.js";

export const DEFAULT_JUJU_VERSION = "3.6.4";

export function jujuVersion(model: ModelState): string {
  return model.jujuVersion ?? DEFAULT_JUJU_VERSION;
}

/** Compares "3.6.4" with "3.4": negative, zero or positive, on as many parts as both give. */
export function compareVersion(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export const atLeast = (model: ModelState, version: string) => compareVersion(jujuVersion(model), version) >= 0;

export function checkJujuVersion(version: string): string {
  if (!/^3\.\d+(\.\d+)?$/.test(version)) throw new Error(`Juju version "${version}" not supported: the simulator models 3.x (3.1 to 3.6)`);
  return version;
}

/**
 * Secret content limits. Juju before 3.6.9 (core/secrets, the size check PR #20287 raised; release
 * notes of 3.6.9: "increased from 8KiB to 1MiB"): 8 KiB per base64 value and 64 KiB in all. From
 * 3.6.9 on: 1 MiB for the whole content.
 */
export function secretSizeLimits(model: ModelState): { perValue: number; total: number } {
  return atLeast(model, "3.6.9") ? { perValue: 1024 * 1024, total: 1024 * 1024 } : { perValue: 8 * 1024, total: 64 * 1024 };
}

/**
 * relation-ids while a relation is being removed. Juju >= 3.4 (jujuc/relation-ids.go; the uniter's
 * context factory, PRs #17464 and #18253): the relation stays listed until its relation-broken hook,
 * which omits it. Before 3.4: hidden as soon as it is dying.
 */
export function relationIdsDuringRemoval(model: ModelState): "until-broken" | "hidden-when-dying" {
  return atLeast(model, "3.4") ? "until-broken" : "hidden-when-dying";
}
