import { deployWrite, type Pacer } from "./pacer.js";
import type { GitHub, Repo } from "./types.js";

/** The label on every revert PR Capstan opens; a commit whose PR carries it is never reverted again. */
export const REVERT_LABEL = "capstan:revert";

/** The hidden marker in a revert PR's body naming the commit it reverts, so one is never opened twice. */
export function revertMarker(sha: string): string {
  return `<!-- capstan:revert-of ${sha} -->`;
}

/** The merged PR a commit came from, as the revert needs it. */
export interface MergedPullRequest {
  number: number;
  nodeId: string;
  title: string;
  author: string;
  url: string;
  labels: string[];
}

/** A revert PR. */
export interface RevertPullRequest {
  number: number;
  url: string;
  nodeId: string;
  /** How it was made: GitHub's own revert of the PR, or a three-way merge through the git data API. */
  via: "graphql" | "rest";
}

/** The revert could not be made without a conflict; no PR was opened. */
export class RevertConflictError extends Error {
  override name = "RevertConflictError";
}

/**
 * The merged PR a commit pushed to `branch` came from: merged into that branch, preferably the one whose
 * merge commit it is; `undefined` for a direct push. Open PRs that merely contain the commit, and PRs
 * merged into other branches, do not count: a revert of them would target the wrong branch.
 */
export async function pullRequestOf(
  octokit: GitHub,
  repo: Repo,
  sha: string,
  branch: string,
): Promise<MergedPullRequest | undefined> {
  const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
    ...repo,
    commit_sha: sha,
  });
  const merged = data.filter((p) => p.merged_at && p.base.ref === branch);
  const pr = merged.find((p) => p.merge_commit_sha === sha) ?? merged[0];
  if (!pr) return undefined;
  return {
    number: pr.number,
    nodeId: pr.node_id,
    title: pr.title,
    author: pr.user?.login ?? "ghost",
    url: pr.html_url,
    labels: pr.labels.map((l) => l.name),
  };
}

/** The commit a branch points at now. */
export async function branchHead(octokit: GitHub, repo: Repo, branch: string): Promise<string> {
  const { data } = await octokit.rest.repos.getBranch({ ...repo, branch });
  return data.commit.sha;
}

/** A revert PR Capstan already opened for a commit (open, closed or merged), found by its marker. */
export async function findRevert(
  octokit: GitHub,
  repo: Repo,
  sha: string,
): Promise<{ number: number; url: string } | undefined> {
  const { data } = await octokit.rest.issues.listForRepo({
    ...repo,
    labels: REVERT_LABEL,
    state: "all",
    per_page: 100,
  });
  const found = data.find((i) => i.pull_request && i.body?.includes(revertMarker(sha)));
  return found && { number: found.number, url: found.html_url };
}

/**
 * Opens a PR that reverts commit `sha` on `branch`, labelled {@link REVERT_LABEL}. With the merged PR the
 * commit came from, GitHub's own `revertPullRequest` (the UI's Revert button) makes it; without one, or
 * when that fails, a three-way merge through the git data API does: the revert of the commit is merged
 * onto the branch's current head, so later commits are kept.
 *
 * @throws RevertConflictError when the revert does not apply cleanly; no PR or branch is left behind
 */
export async function openRevert(
  octokit: GitHub,
  pacer: Pacer,
  repo: Repo,
  input: { sha: string; branch: string; pr?: MergedPullRequest; title: string; body: string },
): Promise<RevertPullRequest> {
  let revert: RevertPullRequest | undefined;
  if (input.pr) {
    try {
      revert = await revertWithGraphql(octokit, pacer, input.pr.nodeId, input.title, input.body);
    } catch {
      // GitHub refuses on conflicts and for some merge methods; the three-way merge below gets the
      // same result or a precise conflict.
    }
  }
  revert ??= await revertWithMerge(octokit, pacer, repo, input);
  await deployWrite(pacer, () =>
    octokit.rest.issues.addLabels({ ...repo, issue_number: revert.number, labels: [REVERT_LABEL] }),
  );
  return revert;
}

async function revertWithGraphql(
  octokit: GitHub,
  pacer: Pacer,
  pullRequestId: string,
  title: string,
  body: string,
): Promise<RevertPullRequest> {
  const result = await deployWrite(pacer, () =>
    octokit.graphql<{
      revertPullRequest: { revertPullRequest: { id: string; number: number; url: string } };
    }>(
      `mutation($input: RevertPullRequestInput!) {
        revertPullRequest(input: $input) { revertPullRequest { id number url } }
      }`,
      { input: { pullRequestId, title, body, draft: false } },
    ),
  );
  const pr = result.revertPullRequest.revertPullRequest;
  return { number: pr.number, url: pr.url, nodeId: pr.id, via: "graphql" };
}

// The REST recipe: R = tree(P) on top of X reverts X; merging R into a copy of the head (S = tree(H) on
// top of X) applies that revert to everything that came after X, or reports the conflict.
async function revertWithMerge(
  octokit: GitHub,
  pacer: Pacer,
  repo: Repo,
  input: { sha: string; branch: string; title: string; body: string },
): Promise<RevertPullRequest> {
  const git = octokit.rest.git;
  const short = input.sha.slice(0, 12);
  const bad = (await git.getCommit({ ...repo, commit_sha: input.sha })).data;
  const parent = bad.parents[0];
  if (!parent) throw new RevertConflictError(`${short} has no parent to revert to`);
  const before = (await git.getCommit({ ...repo, commit_sha: parent.sha })).data;
  const headSha = await branchHead(octokit, repo, input.branch);
  const head = (await git.getCommit({ ...repo, commit_sha: headSha })).data;
  const message = `${input.title}\n\nThis reverts commit ${input.sha}.\n\nCapstan-Revert-Of: ${input.sha}`;
  const write = <T>(send: () => Promise<T>) => deployWrite(pacer, send);
  const reverted = await write(() =>
    git.createCommit({ ...repo, message, tree: before.tree.sha, parents: [input.sha] }),
  );
  const copy = await write(() =>
    git.createCommit({ ...repo, message: "capstan: temporary", tree: head.tree.sha, parents: [input.sha] }),
  );
  const temporary = `capstan/tmp-revert-${short}`;
  await write(() => git.createRef({ ...repo, ref: `refs/heads/${temporary}`, sha: copy.data.sha }));
  let merged: { tree: string };
  try {
    const { data, status } = await write(() =>
      octokit.rest.repos.merge({
        ...repo,
        base: temporary,
        head: reverted.data.sha,
        commit_message: message,
      }),
    );
    if (status !== 201)
      throw new RevertConflictError(`reverting ${short} onto ${input.branch} changes nothing`);
    merged = { tree: data.commit.tree.sha };
  } catch (err) {
    if ((err as { status?: number }).status === 409)
      throw new RevertConflictError(`reverting ${short} conflicts with later changes on ${input.branch}`);
    throw err;
  } finally {
    await write(() => git.deleteRef({ ...repo, ref: `heads/${temporary}` })).catch(() => undefined);
  }
  const commit = await write(() =>
    git.createCommit({ ...repo, message, tree: merged.tree, parents: [headSha] }),
  );
  const branch = `capstan/revert-${short}`;
  await write(() => git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha: commit.data.sha }));
  const { data: pr } = await write(() =>
    octokit.rest.pulls.create({
      ...repo,
      title: input.title,
      head: branch,
      base: input.branch,
      body: input.body,
    }),
  );
  return { number: pr.number, url: pr.html_url, nodeId: pr.node_id, via: "rest" };
}

/**
 * Turns on auto-merge for a PR; when GitHub answers that the PR is already clean (mergeable now, so
 * auto-merge does not apply), merges it directly.
 *
 * @returns how it will be merged
 */
export async function autoMerge(
  octokit: GitHub,
  pacer: Pacer,
  repo: Repo,
  pr: { number: number; nodeId: string },
): Promise<"auto-merge" | "merged"> {
  try {
    await deployWrite(pacer, () =>
      octokit.graphql(
        `mutation($input: EnablePullRequestAutoMergeInput!) {
          enablePullRequestAutoMerge(input: $input) { pullRequest { number } }
        }`,
        { input: { pullRequestId: pr.nodeId, mergeMethod: "MERGE" } },
      ),
    );
    return "auto-merge";
  } catch (err) {
    if (!/clean status/i.test((err as Error).message)) throw err;
    await deployWrite(pacer, () =>
      octokit.rest.pulls.merge({ ...repo, pull_number: pr.number, merge_method: "merge" }),
    );
    return "merged";
  }
}
