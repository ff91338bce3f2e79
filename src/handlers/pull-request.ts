import type { Context } from "probot";
import { previewPullRequest } from "../flows/pull-request.js";
import { type AppDeps, contextInput } from "./deps.js";

/** A PR opened, pushed to or reopened: queue its preview and acknowledge the webhook at once. */
export function onPullRequest(deps: AppDeps) {
  return async (
    context: Context<"pull_request.opened" | "pull_request.synchronize" | "pull_request.reopened">,
  ) => {
    const pr = context.payload.pull_request;
    const input = contextInput(deps, context);
    deps.queue.push(`${input.repo.owner}/${input.repo.repo}#${pr.number}`, () =>
      previewPullRequest({
        ...input,
        number: pr.number,
        baseSha: pr.base.sha,
        headSha: pr.head.sha,
        fork: pr.head.repo?.full_name !== pr.base.repo.full_name,
        environments: [],
      }),
    );
  };
}
