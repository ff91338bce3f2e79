import type { Context } from "probot";
import { deployPush } from "../flows/deploy-push.js";
import { type AppDeps, branchKey, deployInput } from "./deps.js";

/** A push: deploy the environments of that branch. A newer push to the branch replaces a queued one. */
export function onPush(deps: AppDeps) {
  return async (context: Context<"push">) => {
    const push = context.payload;
    if (push.deleted || !push.ref.startsWith("refs/heads/")) return;
    const branch = push.ref.slice("refs/heads/".length);
    const target = {
      octokit: context.octokit,
      installation: push.installation?.id ?? 0,
      log: context.log,
      repo: context.repo(),
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
