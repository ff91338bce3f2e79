import type { Pacer } from "./pacer.js";
import type { GitHub, Repo } from "./types.js";

/** The reactions Capstan leaves on a command comment. */
export type Reaction = "eyes" | "rocket" | "confused";

/** The commenter's permission on the repository, from the collaborator API (not `author_association`). */
export async function permissionOf(octokit: GitHub, repo: Repo, username: string): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
    return data.permission;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return "none";
    throw err;
  }
}

/** Leaves a reaction on a comment. */
export async function react(
  octokit: GitHub,
  pacer: Pacer,
  repo: Repo,
  commentId: number,
  content: Reaction,
): Promise<void> {
  await pacer.write(() =>
    octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content }),
  );
}

/** Replies on a PR. */
export async function reply(
  octokit: GitHub,
  pacer: Pacer,
  repo: Repo,
  issue: number,
  body: string,
): Promise<void> {
  await pacer.write(() => octokit.rest.issues.createComment({ ...repo, issue_number: issue, body }));
}
