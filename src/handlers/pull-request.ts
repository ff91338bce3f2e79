import type { Context } from "probot";
import { previewPullRequest } from "../flows/pull-request.js";
import { type AppDeps, contextInput, prKey } from "./deps.js";

/** A PR opened, pushed to or reopened: queue its preview and acknowledge the webhook at once. */
export function onPullRequest(deps: AppDeps) {
  return async (
    context: Context<"pull_request.opened" | "pull_request.synchronize" | "pull_request.reopened">,
  ) => {
    const pr = context.payload.pull_request;
    deps.queue.push(prKey(context, pr.number), async () =>
      previewPullRequest({
        ...(await contextInput(deps, context)),
        number: pr.number,
        baseSha: pr.base.sha,
        headSha: pr.head.sha,
        fork: pr.head.repo?.full_name !== pr.base.repo.full_name,
        environments: [],
      }),
    );
  };
}
