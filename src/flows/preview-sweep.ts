// The sweep that catches up a lost `pull_request` webhook: an open pull request whose head has no
// preview of Capstan's is previewed again.
import type { ConditionalCache } from "../github/conditional.js";
import type { AppIdentity } from "../github/sticky-comment.js";
import type { Installed } from "./discover.js";
import { DIFF_CHECK } from "./preview-publication.js";

/** An open pull request to preview, as its webhook would have described it. */
export interface StalePullRequest {
  number: number;
  baseSha: string;
  headSha: string;
  fork: boolean;
}

/** How many open pull requests one sweep looks at: the most recently updated page. */
export const MAX_SWEPT_PULLS = 100;

interface ListedPull {
  number: number;
  draft?: boolean;
  head: { sha: string; repo?: { full_name?: string } | null };
  base: { sha: string; repo: { full_name: string } };
}

/**
 * The open pull requests whose head commit has no `Capstan diff` check run of this app: every preview
 * outcome publishes one (with the sticky comment, or alone when nothing is affected), so its absence means
 * the preview never ran or was cut off. Both reads are conditional: an unchanged repository costs 304s.
 */
export async function stalePullRequests(input: {
  installed: Installed;
  cache: ConditionalCache;
  identity: AppIdentity;
}): Promise<StalePullRequest[]> {
  const { installed, cache } = input;
  const pulls = await cache.get<ListedPull[]>(installed.octokit, "GET /repos/{owner}/{repo}/pulls", {
    ...installed.repo,
    state: "open",
    sort: "updated",
    direction: "desc",
    per_page: MAX_SWEPT_PULLS,
  });
  const stale: StalePullRequest[] = [];
  for (const pr of pulls) {
    const runs = await cache.get<{ total_count: number }>(
      installed.octokit,
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
      { ...installed.repo, ref: pr.head.sha, check_name: DIFF_CHECK, app_id: input.identity.id },
    );
    if (runs.total_count > 0) continue;
    stale.push({
      number: pr.number,
      baseSha: pr.base.sha,
      headSha: pr.head.sha,
      fork: pr.head.repo?.full_name !== pr.base.repo.full_name,
    });
  }
  return stale;
}
