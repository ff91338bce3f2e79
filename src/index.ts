import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import type { AppIdentity } from "./github/sticky-comment.js";
import type { GitHub } from "./github/types.js";
import { type AppDeps, createDeps } from "./handlers/deps.js";
import { onIssueComment } from "./handlers/issue-comment.js";
import { onPullRequest } from "./handlers/pull-request.js";
import { onPush } from "./handlers/push.js";
import { onRerequested } from "./handlers/rerun.js";
import { Reconciler } from "./reconciler.js";

/** The Capstan app with the given dependencies (tests pass their own queue and pacing). */
export function createApp(deps?: AppDeps): ApplicationFunction {
  return (app: Probot, _options?: ApplicationFunctionOptions) => {
    const shared = deps ?? createDeps(app.log);
    let identity: Promise<AppIdentity> | undefined;
    shared.identity ??= () => {
      identity ??= app.auth().then(async (octokit) => {
        const { data } = await octokit.rest.apps.getAuthenticated();
        return { id: data!.id, slug: data!.slug! };
      });
      return identity;
    };
    app.on(
      ["pull_request.opened", "pull_request.synchronize", "pull_request.reopened"],
      onPullRequest(shared),
    );
    app.on("issue_comment.created", onIssueComment(shared));
    app.on(["check_run.rerequested", "check_suite.rerequested"], onRerequested(shared));
    app.on("push", onPush(shared));
    if (shared.sweeps && shared.server?.reconcile.enabled !== false) {
      const reconciler = new Reconciler({
        deps: shared,
        log: app.log,
        app: async () => (await app.auth()) as GitHub,
        installation: async (id) => (await app.auth(id)) as GitHub,
      });
      shared.reconciler = reconciler;
      reconciler.start();
    }
  };
}

/** The Capstan GitHub App: wiring only; handlers live in src/handlers. */
export default createApp();
