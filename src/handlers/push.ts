import type { Context } from "probot";
import { deployPush } from "../flows/deploy-push.js";
import type { AppDeps } from "./deps.js";

/** A push: deploy the environments of that branch. A newer push to the branch replaces a queued one. */
export function onPush(deps: AppDeps) {
  return async (context: Context<"push">) => {
    const push = context.payload;
    if (!deps.firstDelivery(context.id) || push.deleted || !push.ref.startsWith("refs/heads/")) return;
    const branch = push.ref.slice("refs/heads/".length);
    const { owner, repo } = context.repo();
    const installation = push.installation?.id ?? 0;
    deps.deploys.push(`${owner}/${repo}@${branch}`, async () => {
      await deployPush({
        octokit: context.octokit,
        pacer: deps.pacerFor(installation),
        log: context.log,
        repo: { owner, repo },
        ids: { id: push.repository.id, ownerId: push.repository.owner?.id ?? 0 },
        cacheDir: deps.cacheDir,
        render: deps.render,
        server: deps.server,
        connect: (name) => deps.clusterFor(name),
        branch,
        defaultBranch: push.repository.default_branch ?? "main",
        before: push.before,
        after: push.after,
        message: push.head_commit?.message ?? "",
        healthTimeoutMs: deps.healthTimeoutMs,
        signal: deps.shutdown.signal,
      });
    });
  };
}
