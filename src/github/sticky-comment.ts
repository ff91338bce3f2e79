import type { Pacer } from "./pacer.js";
import type { GitHub, Repo } from "./types.js";

/** The hidden marker of the preview comment's part `index` (1-based). */
export function partMarker(index: number): string {
  return `<!-- capstan:preview part=${index} -->`;
}

const MARKER = /^<!-- capstan:preview part=(\d+) -->/;

/** Who the app is on GitHub, to find its own comments among everyone's. */
export interface AppIdentity {
  id: number;
  slug: string;
}

/**
 * Who writes the preview comments: the App, or the account of a token (`capstan diff --pr --comment`
 * with a personal token, or `github-actions[bot]` with a workflow's token).
 */
export type CommentAuthor = AppIdentity | { login: string };

interface CommentLike {
  body?: string;
  user?: { login?: string } | null;
  performed_via_github_app?: { id?: number } | null;
}

// Another bot (or a person) can copy the marker; only the app's own comments are ever edited or deleted.
function isOurs(comment: CommentLike, identity: CommentAuthor): boolean {
  if ("login" in identity) return comment.user?.login === identity.login;
  return (
    comment.performed_via_github_app?.id === identity.id || comment.user?.login === `${identity.slug}[bot]`
  );
}

/** What an upsert did, for logs and tests. */
export interface UpsertResult {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/**
 * Makes the PR's preview comments read `parts`, found by their hidden markers among the app's own comments:
 * part 1 is edited in place, missing parts are created, and parts left over from a longer report are
 * deleted. Nothing is written where a part already reads the same, so redeliveries write nothing.
 *
 * Each part must already carry its marker (see {@link partMarker}) and fit GitHub's comment limit.
 */
export async function upsertPreviewComment(
  octokit: GitHub,
  pacer: Pacer,
  identity: CommentAuthor,
  repo: Repo,
  issue: number,
  parts: readonly string[],
): Promise<UpsertResult> {
  const existing = new Map<number, { id: number; body: string }>();
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: issue,
    per_page: 100,
  });
  for (const c of comments) {
    const match = MARKER.exec(c.body ?? "");
    if (match && isOurs(c, identity) && !existing.has(Number(match[1]))) {
      existing.set(Number(match[1]), { id: c.id, body: c.body ?? "" });
    }
  }
  const result: UpsertResult = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
  for (const [i, body] of parts.entries()) {
    const current = existing.get(i + 1);
    if (current?.body === body) {
      result.unchanged++;
    } else if (current) {
      await pacer.write(() => octokit.rest.issues.updateComment({ ...repo, comment_id: current.id, body }));
      result.updated++;
    } else {
      await pacer.write(() => octokit.rest.issues.createComment({ ...repo, issue_number: issue, body }));
      result.created++;
    }
  }
  for (const [index, comment] of existing) {
    if (index <= parts.length) continue;
    await pacer.write(() => octokit.rest.issues.deleteComment({ ...repo, comment_id: comment.id }));
    result.deleted++;
  }
  if (result.created > 0) result.deleted += await removeTwins(octokit, pacer, identity, repo, issue);
  return result;
}

// Two replicas that preview the same PR at once (GitHub redelivered a webhook to the other one) may each
// find no comment and create one. After creating, look again and keep only the oldest of each part:
// both replicas keep the same one, and a comment the other already deleted is not an error.
async function removeTwins(
  octokit: GitHub,
  pacer: Pacer,
  identity: CommentAuthor,
  repo: Repo,
  issue: number,
): Promise<number> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: issue,
    per_page: 100,
  });
  const oldest = new Map<number, number>();
  const twins: number[] = [];
  for (const c of [...comments].sort((a, b) => a.id - b.id)) {
    const match = MARKER.exec(c.body ?? "");
    if (!match || !isOurs(c, identity)) continue;
    const part = Number(match[1]);
    if (oldest.has(part)) twins.push(c.id);
    else oldest.set(part, c.id);
  }
  for (const id of twins) {
    await pacer
      .write(() => octokit.rest.issues.deleteComment({ ...repo, comment_id: id }))
      .catch((err: { status?: number }) => {
        if (err.status !== 404) throw err;
      });
  }
  return twins.length;
}

/** Whether the PR has a preview comment already (so that a change that no longer affects anything says so). */
export async function hasPreviewComment(
  octokit: GitHub,
  identity: CommentAuthor,
  repo: Repo,
  issue: number,
): Promise<boolean> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: issue,
    per_page: 100,
  });
  return comments.some((c) => MARKER.test(c.body ?? "") && isOurs(c, identity));
}
