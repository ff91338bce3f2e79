import type { Context } from "probot";
import { deployPush } from "../flows/deploy-push.js";
import { withFields } from "../work-queue.js";
import { type AppDeps, branchKey, deployInput } from "./deps.js";

/** A push: deploy the environments of that branch. A newer push to the branch replaces a queued one. */
export function onPush(deps: AppDeps) {
  return async (context: Context<"push">) => {
    const push = context.payload;
    if (push.deleted || !push.ref.startsWith("refs/heads/")) return;
    const branch = push.ref.slice("refs/heads/".length);
    const repo = context.repo();
    const target = {
      octokit: context.octokit,
      installation: push.installation?.id ?? 0,
      // Probot's event logger carries the delivery id; every line of the deploy also names repository and branch.
      log: withFields(context.log, { repository: `${repo.owner}/${repo.repo}`, branch }),
      repo,
      ids: { id: push.repository.id, ownerId: push.repository.owner?.id ?? 0 },
      defaultBranch: push.repository.default_branch ?? "main",
    };
    deps.deploys.push(branchKey(target.repo, branch), () =>
      deployPush({
        ...deployInput(deps, target),
        branch,
        before: push.before,
        after: push.after,
        message: push.head_commit?.message ?? "",
      }),
    );
  };
}
