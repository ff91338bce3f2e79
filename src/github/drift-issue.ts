import type { DriftStep } from "../drift/index.js";
import {
  DRIFT_LABEL,
  type DriftReport,
  driftComment,
  driftIssueBody,
  driftIssueTitle,
  parseDriftMarker,
} from "../report/drift.js";
import { deployWrite, type Pacer } from "./pacer.js";
import type { GitHub, Repo } from "./types.js";

interface IssueSummary {
  number: number;
  state: string;
  body?: string | null;
}

/**
 * Keeps an environment's drift issue in step with a check: opened (or reopened) when drift is confirmed,
 * its body edited only when the findings change, a comment on each edge, closed when the drift is gone.
 * An unchanged check sends no write. Drift writes go ahead of previews in the pacer, with deploys.
 *
 * @returns the issue's number, for the state kept on the environment's parent
 */
export async function publishDrift(
  octokit: GitHub,
  pacer: Pacer,
  repo: Repo,
  report: DriftReport,
  step: DriftStep,
  resolvedBy?: string,
): Promise<number | undefined> {
  if (step.edge === "suspected") return step.state.issue;
  if (step.edge === "none" && !step.state.confirmed) return step.state.issue;
  const issue = await findIssue(octokit, repo, report, step.state.issue);
  const body = driftIssueBody(report);
  const comment = driftComment(step.edge, report, resolvedBy);
  if (step.edge === "resolved") {
    if (!issue || issue.state === "closed") return issue?.number;
    if (comment) await deployWrite(pacer, () => comment_(octokit, repo, issue.number, comment));
    await deployWrite(pacer, () =>
      octokit.rest.issues.update({
        ...repo,
        issue_number: issue.number,
        state: "closed",
        state_reason: "completed",
      }),
    );
    return issue.number;
  }
  if (!issue) {
    const { data } = await deployWrite(pacer, () =>
      octokit.rest.issues.create({
        ...repo,
        title: driftIssueTitle(report.environment, report.cluster),
        body,
        labels: [DRIFT_LABEL],
      }),
    );
    if (comment) await deployWrite(pacer, () => comment_(octokit, repo, data.number, comment));
    return data.number;
  }
  // Reopened on returning drift; the body is written only when what it shows changed (its marker's hash),
  // so a restart that lost its state still writes nothing for unchanged drift.
  const stale = parseDriftMarker(issue.body ?? "")?.hash !== report.hash;
  if (issue.state !== "open" || stale) {
    await deployWrite(pacer, () =>
      octokit.rest.issues.update({ ...repo, issue_number: issue.number, state: "open", body }),
    );
  }
  if (comment) await deployWrite(pacer, () => comment_(octokit, repo, issue.number, comment));
  return issue.number;
}

/** A comment on an environment's drift issue (a heal failed, the day's heals are spent). */
export async function commentOnDrift(
  octokit: GitHub,
  pacer: Pacer,
  repo: Repo,
  issue: number,
  body: string,
): Promise<void> {
  await deployWrite(pacer, () => comment_(octokit, repo, issue, body));
}

function comment_(octokit: GitHub, repo: Repo, issue: number, body: string) {
  return octokit.rest.issues.createComment({ ...repo, issue_number: issue, body });
}

// The environment's issue: the one recorded, or the one whose marker names the environment and cluster.
async function findIssue(
  octokit: GitHub,
  repo: Repo,
  report: DriftReport,
  known: number | undefined,
): Promise<IssueSummary | undefined> {
  if (known !== undefined) {
    const { data } = await octokit.rest.issues.get({ ...repo, issue_number: known });
    if (data && !data.pull_request) return data;
  }
  const { data } = await octokit.rest.issues.listForRepo({
    ...repo,
    labels: DRIFT_LABEL,
    state: "all",
    per_page: 100,
  });
  return data.find((i) => {
    const marker = parseDriftMarker(i.body ?? "");
    return !i.pull_request && marker?.environment === report.environment && marker.cluster === report.cluster;
  });
}
