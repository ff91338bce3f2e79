// When a heal may run, and what Capstan remembers after one. A heal re-applies the revision that was
// synced (reviewed, merged, deployed), never the branch head; it is bounded per day and backs off after
// failures so a cluster that keeps rejecting it is not hammered and the issue says a person is needed.
import type { DriftState, HealRecord } from "./state.js";

/** The longest wait between heals after failures. */
export const MAX_HEAL_BACKOFF_MS = 6 * 60 * 60 * 1000;

/** Whether to heal now, and if not, why (for the log), and whether the issue should be told. */
export type HealDecision = { heal: true } | { heal: false; reason: string; tell?: "exhausted" };

/** What the decision looks at. */
export interface HealContext {
  mode: "off" | "report" | "heal";
  state: DriftState;
  now: Date;
  /** Heals allowed per UTC day. */
  budget: number;
  /** The branch head, when it differs from the synced revision: the deploy of it comes first. */
  behindBy?: string;
  /** Who holds the environment's Lease, when someone does (a sync is running). */
  leaseHolder?: string;
  /** `frozen until …`, when a deploy freeze is on: a heal is a cluster write like a deploy. */
  frozen?: string;
}

/** The UTC day of a time, as `2026-12-02`. */
export function dayOf(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** The heal record as of `now`: a new day starts a new count (failures and their backoff carry over). */
export function healToday(record: HealRecord | undefined, now: Date): HealRecord {
  const day = dayOf(now);
  if (!record) return { day, count: 0, failures: 0 };
  if (record.day === day) return record;
  const { exhausted: _exhausted, ...rest } = record;
  return { ...rest, day, count: 0 };
}

/**
 * Whether a heal runs now: only in `heal` mode, on confirmed drift, when the environment is not behind
 * its branch (that is a deploy, with its own Deployment and health wait), no sync holds its Lease, any
 * backoff has passed, and today's budget is not spent. The budget running out is told once a day.
 */
export function healDecision(context: HealContext): HealDecision {
  if (context.mode !== "heal") return { heal: false, reason: "drift.mode is not heal" };
  if (!context.state.confirmed) return { heal: false, reason: "the drift is not confirmed" };
  // During a freeze a live change may be someone's emergency fix: it is reported, never undone.
  if (context.frozen) return { heal: false, reason: `the environment is ${context.frozen}` };
  if (context.behindBy)
    return { heal: false, reason: `the branch head ${context.behindBy.slice(0, 7)} deploys first` };
  if (context.leaseHolder) return { heal: false, reason: `a sync holds the Lease (${context.leaseHolder})` };
  const record = healToday(context.state.heal, context.now);
  if (record.retryAt && Date.parse(record.retryAt) > context.now.getTime())
    return {
      heal: false,
      reason: `backing off after ${record.failures} failed heals until ${record.retryAt}`,
    };
  if (record.count >= context.budget) {
    return {
      heal: false,
      reason: `today's ${context.budget} heals are spent`,
      ...(record.exhausted ? {} : { tell: "exhausted" as const }),
    };
  }
  return { heal: true };
}

/**
 * The record after a heal ran: counted; a success clears the failures, a failure waits
 * `intervalMs × 2^failures` (at most {@link MAX_HEAL_BACKOFF_MS}) before the next.
 */
export function afterHeal(
  record: HealRecord | undefined,
  ok: boolean,
  now: Date,
  intervalMs: number,
): HealRecord {
  const today = healToday(record, now);
  if (ok) return { day: today.day, count: today.count + 1, failures: 0 };
  const failures = today.failures + 1;
  const wait = Math.min(intervalMs * 2 ** failures, MAX_HEAL_BACKOFF_MS);
  return {
    day: today.day,
    count: today.count + 1,
    failures,
    retryAt: new Date(now.getTime() + wait).toISOString(),
  };
}
