// Whether what a check found is drift yet, and what changed since the last check. A difference is drift
// once it has lasted: two checks at least `grace` apart found it (a rollout in flight, or a person fixing
// something by hand, is not drift). The state is small and lives on the environment's ApplySet parent,
// so a restarted Capstan carries on where it stopped.
import { createHash } from "node:crypto";
import { formatRef } from "../manifests/index.js";
import type { DriftFinding } from "./object-drift.js";

/** What Capstan remembers about an environment's drift between checks. */
export interface DriftState {
  /** When a check first found the current differences (ISO time); absent when the last check found none. */
  since?: string;
  /** A hash of the findings last seen, so an unchanged check costs no GitHub write. */
  hash?: string;
  /** Whether the findings were confirmed (and reported). */
  confirmed?: boolean;
  /** The GitHub issue that reports this environment's drift, once there is one. */
  issue?: number;
  /** The synced revision the drift was found against: a later sync of another one explains a resolution. */
  revision?: string;
  /** Heals so far: counted per UTC day against the budget, failures back off. */
  heal?: HealRecord;
}

/** What Capstan remembers of its heals of one environment. */
export interface HealRecord {
  /** The UTC day (`2026-12-02`) `count` belongs to. */
  day: string;
  count: number;
  /** Heals that failed in a row; reset by one that succeeds. */
  failures: number;
  /** No heal before this time (ISO), after a failure. */
  retryAt?: string;
  /** The budget ran out today, and the issue was told. */
  exhausted?: boolean;
}

/** What changed with a check, for the report: each edge gets a comment on the issue, nothing else does. */
export type DriftEdge = "none" | "suspected" | "appeared" | "changed" | "resolved";

/** The outcome of one check: the edge and the state to keep. */
export interface DriftStep {
  edge: DriftEdge;
  state: DriftState;
}

/** A hash of findings, independent of their order. Foreign additions count: they are shown too. */
export function findingsHash(findings: readonly DriftFinding[]): string {
  const lines = findings
    .map((f) =>
      [
        f.change,
        formatRef(f.ref),
        // The values count: a second edit of the same field is a change the issue must show.
        ...("fields" in f
          ? f.fields.map((x) => `${x.path}=${x.writer?.manager ?? ""} ${x.live ?? ""} ${x.revision ?? ""}`)
          : []),
      ].join(" "),
    )
    .sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);
}

/**
 * The next state after a check found `findings` at `now`:
 * - nothing found: `resolved` if drift had been confirmed, else `none`;
 * - found for the first time: `suspected`, confirmed only by a later check at least `graceMs` after;
 * - confirmed now: `appeared`; confirmed before and different: `changed`; the same: `none`.
 */
export function nextDriftState(
  previous: DriftState,
  findings: readonly DriftFinding[],
  now: Date,
  graceMs: number,
): DriftStep {
  const drifted = findings.some((f) => f.change !== "foreign-additions");
  const issue = previous.issue !== undefined ? { issue: previous.issue } : {};
  if (!drifted) return { edge: previous.confirmed ? "resolved" : "none", state: issue };
  const hash = findingsHash(findings);
  const since = previous.since ?? now.toISOString();
  if (previous.confirmed) {
    return {
      edge: hash === previous.hash ? "none" : "changed",
      state: { ...issue, since, hash, confirmed: true },
    };
  }
  const lasted = now.getTime() - Date.parse(since) >= graceMs;
  if (previous.since === undefined || !lasted)
    return { edge: previous.since === undefined ? "suspected" : "none", state: { ...issue, since, hash } };
  return { edge: "appeared", state: { ...issue, since, hash, confirmed: true } };
}
