import { type DriftEdge, type DriftFinding, formatWriter } from "../drift/index.js";
import { formatRef } from "../manifests/index.js";
import { code, escapeHtml, fenced } from "./markdown-text.js";

/** The label of every drift issue. */
export const DRIFT_LABEL = "capstan:drift";
// GitHub's limit on an issue body, in characters, less room for the marker and the closing lines.
const BODY_BUDGET = 60_000;
const FIELDS_SHOWN = 5;

/** What a drift issue describes. */
export interface DriftReport {
  environment: string;
  cluster: string;
  /** The revision the live objects were compared with. */
  revision: string;
  /** When the differences were first seen (ISO time). */
  since: string;
  findings: readonly DriftFinding[];
  /** A hash of the findings, kept in the marker: an unchanged check finds it and writes nothing. */
  hash: string;
}

/** `Drift: production (eu-1)`. */
export function driftIssueTitle(environment: string, cluster: string): string {
  return `Drift: ${environment} (${cluster})`;
}

/** The hidden line that finds an environment's issue again, and says which findings its body shows. */
export function driftMarker(environment: string, cluster: string, hash: string): string {
  return `<!-- capstan:drift env=${environment} cluster=${cluster} hash=${hash} -->`;
}

/** The environment, cluster and hash a body's marker records, if it has one. */
export function parseDriftMarker(
  body: string,
): { environment: string; cluster: string; hash: string } | undefined {
  const m = /<!-- capstan:drift env=(\S+) cluster=(\S+) hash=(\S+) -->/.exec(body);
  return m ? { environment: m[1]!, cluster: m[2]!, hash: m[3]! } : undefined;
}

const CHANGE: Record<DriftFinding["change"], string> = {
  modified: "changed live",
  missing: "deleted live",
  extraneous: "not in the revision",
  "foreign-additions": "fields added (information)",
};

/**
 * The issue body: what differs from the synced revision, object by object, with the tool that last
 * wrote each field, then a collapsible diff of each changed object's fields (a Secret's values masked as
 * in previews). Rows come first, then diffs while they fit GitHub's limit.
 */
export function driftIssueBody(report: DriftReport): string {
  const head = [
    driftMarker(report.environment, report.cluster, report.hash),
    `The live objects of ${code(report.environment)} on cluster ${code(report.cluster)} differ from ${code(report.revision.slice(0, 12))}, the revision Capstan last synced, since ${report.since}.`,
    "",
    "| Object | Change | Fields | Last written by |",
    "|---|---|---|---|",
  ];
  const rows: string[] = [];
  let size = head.join("\n").length;
  let left = 0;
  for (const f of report.findings) {
    const row = rowOf(f);
    if (size + row.length > BODY_BUDGET) {
      left++;
      continue;
    }
    rows.push(row);
    size += row.length + 1;
  }
  const details: string[] = [];
  let omitted = 0;
  for (const f of report.findings) {
    if (f.change !== "modified") continue;
    const block = detailsOf(f);
    if (size + block.length > BODY_BUDGET) {
      omitted++;
      continue;
    }
    details.push(block);
    size += block.length + 1;
  }
  const tail = [
    ...(left > 0 ? [`| … | | ${left} more objects | |`] : []),
    ...(details.length > 0
      ? [
          "",
          "In each diff, `-` is the synced revision, `+` is live (a Secret's values read `***`).",
          "",
          ...details,
        ]
      : []),
    ...(omitted > 0
      ? ["", `${omitted} more diffs do not fit in this issue; \`capstan drift\` prints them all.`]
      : []),
    "",
    "Writers are tools as the objects' `managedFields` record them (`kubectl-edit`, a controller), not people; the cluster's audit log names people.",
    "The next merge overwrites these changes. To keep one, commit it; to undo them, sync again or set `drift.mode: heal`. This issue closes by itself when the drift is gone.",
  ];
  return [...head, ...rows, ...tail].join("\n");
}

function rowOf(f: DriftFinding): string {
  const fields = "fields" in f ? f.fields : [];
  const shown = fields.slice(0, FIELDS_SHOWN).map((x) => code(x.path));
  if (fields.length > FIELDS_SHOWN) shown.push(`and ${fields.length - FIELDS_SHOWN} more`);
  const writers = [...new Set(fields.flatMap((x) => (x.writer ? [formatWriter(x.writer)] : [])))];
  return `| ${code(formatRef(f.ref))} | ${CHANGE[f.change]} | ${shown.join(", ")} | ${writers.map(code).join(", ")} |`;
}

// One changed object's fields as a diff: `-` what the synced revision sets, `+` what is live.
function detailsOf(f: Extract<DriftFinding, { change: "modified" }>): string {
  const lines = f.fields.flatMap((x) => [
    `@@ ${x.path}`,
    ...(x.revision !== undefined ? [`- ${x.revision}`] : []),
    ...(x.live !== undefined ? [`+ ${x.live}`] : []),
  ]);
  return [
    `<details><summary>${escapeHtml(formatRef(f.ref))}: ${f.fields.length} field${f.fields.length === 1 ? "" : "s"}</summary>`,
    "",
    fenced(lines.join("\n"), "diff"),
    "",
    "</details>",
  ].join("\n");
}

/** The comment for an edge of the drift, or `undefined` for edges that get none. */
export function driftComment(edge: DriftEdge, report: DriftReport, resolvedBy?: string): string | undefined {
  const count = report.findings.filter((f) => f.change !== "foreign-additions").length;
  switch (edge) {
    case "appeared":
      return `Drift found: ${count} object${count === 1 ? "" : "s"} of ${code(report.environment)} differ from ${code(report.revision.slice(0, 12))}.`;
    case "changed":
      return `The drift changed: ${count} object${count === 1 ? "" : "s"} now differ. The table above is current.`;
    case "resolved":
      return `Resolved: the live objects match ${code(report.revision.slice(0, 12))} again${resolvedBy ? ` (${resolvedBy})` : ""}.`;
    default:
      return undefined;
  }
}
