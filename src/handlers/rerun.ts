import type { Context } from "probot";
import { previewPullRequest } from "../flows/pull-request.js";
import { type AppDeps, contextInput } from "./deps.js";

/** The re-run buttons of the Checks tab: preview again every PR the check run or suite belongs to. */
export function onRerequested(deps: AppDeps) {
  return async (context: Context<"check_run.rerequested" | "check_suite.rerequested">) => {
    const payload = context.payload;
    const prs = "check_run" in payload ? payload.check_run.pull_requests : payload.check_suite.pull_requests;
    const input = contextInput(deps, context);
    for (const { number } of prs) {
      deps.queue.push(`${input.repo.owner}/${input.repo.repo}#${number}`, async () => {
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
