// Status is computed once per hook from what reconcile saw (DESIGN.md §2, step 4).

export type VerdictLevel = "error" | "blocked" | "maintenance" | "waiting" | "active";

/** One concern's view of the unit (or app): a level and a message an operator can act on. */
export interface Verdict {
  level: VerdictLevel;
  message: string;
}

const PRIORITY: Record<VerdictLevel, number> = { error: 4, blocked: 3, maintenance: 2, waiting: 1, active: 0 };

/** The most severe verdict wins; among equals, the first reported (reconcile order) wins. */
export function pickVerdict(verdicts: readonly Verdict[], fallback: Verdict): Verdict {
  let chosen: Verdict | null = null;
  for (const verdict of verdicts) {
    if (!chosen || PRIORITY[verdict.level] > PRIORITY[chosen.level]) chosen = verdict;
  }
  return chosen ?? fallback;
}

export const active = (message: string): Verdict => ({ level: "active", message });
export const blocked = (message: string): Verdict => ({ level: "blocked", message });
export const waiting = (message: string): Verdict => ({ level: "waiting", message });
export const maintenance = (message: string): Verdict => ({ level: "maintenance", message });
