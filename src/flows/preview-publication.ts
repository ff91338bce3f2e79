import { type Annotation, type CheckRunOutput, fitBytes } from "../github/check-runs.js";
import { partMarker } from "../github/sticky-comment.js";
import { formatRef } from "../manifests/index.js";
import { countFindings, summarizeFindings } from "../policy/index.js";
import { capParts, type EnvironmentReport, MAX_COMMENT_PARTS, renderReport } from "../report/index.js";
import type { PreviewResult } from "./preview.js";

export const DIFF_CHECK = "capstan/diff";
/** The most findings annotated on the policy check (four writes of 50). */
export const MAX_ANNOTATIONS = 200;
export const POLICY_CHECK = "capstan/policy";
// GitHub's limit on a comment's body, in characters.
const COMMENT_BUDGET = 65_536;
// GitHub's limit on a check run's summary and text, in bytes.
const CHECK_TEXT_BYTES = 65_535;

/** Which pull request and commits a preview describes. */
export interface PreviewSubject {
  baseSha: string;
  headSha: string;
  /** The head comes from a fork: rendered without credentials, no live diff. */
  fork: boolean;
  /** Environments asked for (`/preview staging`); all affected ones when empty. */
  environments: readonly string[];
}

/**
 * Everything a preview writes to GitHub, as text. It is built where the preview ran, so the process that
 * talks to GitHub only sends strings and never walks a render.
 */
export type Publication =
  /** `/preview staging`: a reply with those environments only; the sticky comment and checks are untouched. */
  | { kind: "reply"; parts: string[] }
  /** Nothing changes: an existing sticky comment (if any) says so, and both checks pass. */
  | { kind: "unaffected"; notice: string; checks: CheckRunOutput[] }
  /** The sticky comment's parts and both checks. */
  | { kind: "posted"; parts: string[]; checks: CheckRunOutput[] };

/**
 * What to publish for a preview's result. The comment is at most {@link MAX_COMMENT_PARTS} parts (the rest
 * indexed by object name, pointing at the check run and `capstan diff`), the policy check annotates at
 * most {@link MAX_ANNOTATIONS} findings: a render of any size costs a bounded number of GitHub writes.
 */
export function publicationOf(result: PreviewResult, subject: PreviewSubject): Publication {
  const title = subtitle(subject);
  // The sticky comment and the checks always describe the whole change, so a partial run never turns a
  // failing check green.
  if (subject.environments.length > 0) {
    const parts = capParts(
      renderReport({ environments: result.environments, subtitle: title }),
      result.environments,
      "### Capstan preview (index)",
      { max: MAX_COMMENT_PARTS, budget: COMMENT_BUDGET, command: "capstan diff" },
    );
    return { kind: "reply", parts };
  }
  // A chart bump that changes only release-wide labels still changes the live objects: it is shown.
  const affected = result.environments.filter(
    (e) => e.error || (e.diff?.changes.length ?? 0) > 0 || e.diff?.churn !== undefined,
  );
  if (affected.length === 0 && result.removedEnvironments.length === 0) {
    return {
      kind: "unaffected",
      notice: `${partMarker(1)}\n### Capstan preview\n\nAs of ${subject.headSha.slice(0, 7)}, this pull request no longer changes any environment.`,
      checks: checksOf(subject.headSha, [], "No environment is affected by this change."),
    };
  }
  const parts = renderReport(
    {
      environments: affected,
      subtitle: title,
      removedEnvironments: result.removedEnvironments,
      unaffected: result.environments.filter((e) => e.unaffected).length,
    },
    { budget: COMMENT_BUDGET, prefix: (i) => `${partMarker(i)}\n` },
  );
  const posted = capParts(parts, affected, `${partMarker(MAX_COMMENT_PARTS)}\n### Capstan preview (index)`, {
    max: MAX_COMMENT_PARTS,
    budget: COMMENT_BUDGET,
    command: `capstan diff --repo . --base ${subject.baseSha.slice(0, 7)} --head ${subject.headSha.slice(0, 7)}`,
  });
  return { kind: "posted", parts: posted, checks: checksOf(subject.headSha, affected, parts.join("\n\n")) };
}

function subtitle(subject: PreviewSubject): string {
  const line = `Comparing ${subject.baseSha.slice(0, 7)} (base) → ${subject.headSha.slice(0, 7)} (head)`;
  if (!subject.fork) return line;
  return `${line}\n\n⚠️ This pull request comes from a fork: it was rendered without any credentials, and \`/preview live\` is not available for it.`;
}

function checksOf(headSha: string, affected: EnvironmentReport[], report: string): CheckRunOutput[] {
  const failed = affected.filter((e) => e.error);
  const changed = affected.reduce((n, e) => n + (e.diff?.changes.length ?? 0), 0);
  const diff: CheckRunOutput = {
    name: DIFF_CHECK,
    headSha,
    conclusion: failed.length > 0 ? "failure" : "success",
    title:
      failed.length > 0
        ? `${failed.length} environment${failed.length === 1 ? "" : "s"} could not be rendered`
        : affected.length === 0
          ? "No environment affected"
          : `${changed} object${changed === 1 ? "" : "s"} change in ${affected.length} environment${affected.length === 1 ? "" : "s"}`,
    // Cut to GitHub's limits here, where the preview runs: the thread that sends it only hashes and sends.
    summary: fitBytes(affected.length === 0 ? report : report.split("\n#### ")[0]!, CHECK_TEXT_BYTES),
    text: affected.length === 0 ? undefined : fitBytes(report, CHECK_TEXT_BYTES),
    annotations: [],
  };
  const findings = affected.flatMap((e) => (e.policy?.findings ?? []).map((f) => ({ env: e.name, f })));
  const { errors } = countFindings(findings.map((x) => x.f));
  const policy: CheckRunOutput = {
    name: POLICY_CHECK,
    headSha,
    conclusion: errors > 0 || failed.length > 0 ? "failure" : "success",
    title:
      failed.length > 0
        ? "Not every environment could be checked"
        : `Policy: ${summarizeFindings(findings.map((x) => x.f))}`,
    summary:
      affected.length === 0
        ? "No environment is affected by this change."
        : affected
            .map(
              (e) =>
                `- \`${e.name}\`: ${e.policy ? summarizeFindings(e.policy.findings) : `not checked: ${e.error ?? "not rendered"}`}`,
            )
            .join("\n") +
          (findings.length > MAX_ANNOTATIONS
            ? `\n\nThe first ${MAX_ANNOTATIONS} of ${findings.length} findings are annotated; the preview comment lists them all.`
            : ""),
    // Each 50 annotations cost a write: the first few hundred findings carry one, the rest are counted
    // in the summary, so a render with thousands of findings cannot spend the write budget.
    annotations: findings.slice(0, MAX_ANNOTATIONS).map(({ env, f }) => toAnnotation(env, f)),
  };
  return [diff, policy];
}

// A rendered stream (`deploy/x (kustomize build)`) is not a file GitHub can annotate: the annotation goes
// on the kustomization and names the line of the rendered output.
function toAnnotation(
  env: string,
  f: NonNullable<EnvironmentReport["policy"]>["findings"][number],
): Annotation {
  const rendered = /^(.*) \((kustomize build|helm template)\)$/.exec(f.file);
  return {
    path: rendered
      ? `${rendered[1] === "." ? "" : `${rendered[1]}/`}${rendered[2] === "kustomize build" ? "kustomization.yaml" : "Chart.yaml"}`
      : f.file,
    line: rendered ? 1 : f.line,
    level: f.severity === "error" ? "failure" : "warning",
    title: `${f.rule}: ${formatRef(f.ref)} (${env})`,
    message: `${rendered ? `${rendered[2]} output, line ${f.line}: ` : ""}${f.message}\n\nFix: ${f.hint}`,
  };
}
