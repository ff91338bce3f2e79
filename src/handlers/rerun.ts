import type { Context } from "probot";
import { previewPullRequest } from "../flows/pull-request.js";
import { type AppDeps, contextInput, prKey } from "./deps.js";

/** The re-run buttons of the Checks tab: preview again every PR the check run or suite belongs to. */
export function onRerequested(deps: AppDeps) {
  return async (context: Context<"check_run.rerequested" | "check_suite.rerequested">) => {
    const payload = context.payload;
    const { pull_requests, head_sha } = "check_run" in payload ? payload.check_run : payload.check_suite;
    let numbers = pull_requests.map((pr) => pr.number);
    if (numbers.length === 0) {
      // GitHub leaves pull_requests empty for PRs from forks: find them by their head commit.
      const { data } = await context.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
        ...context.repo(),
        commit_sha: head_sha,
      });
      numbers = data.filter((pr) => pr.state === "open" && pr.head.sha === head_sha).map((pr) => pr.number);
    }
    for (const number of numbers) {
      deps.queue.push(prKey(context, number), async () => {
        const input = await contextInput(deps, context);
        // The payload's PR summary lacks the fork's repository: read the PR itself.
        const { data: pr } = await input.octokit.rest.pulls.get({ ...input.repo, pull_number: number });
        return previewPullRequest({
          ...input,
          number,
          baseSha: pr.base.sha,
          headSha: pr.head.sha,
          fork: pr.head.repo?.full_name !== pr.base.repo.full_name,
          environments: [],
        });
      });
    }
  };
}
