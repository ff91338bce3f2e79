import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import type { AppIdentity } from "./github/sticky-comment.js";
import { type AppDeps, createDeps } from "./handlers/deps.js";
import { onIssueComment } from "./handlers/issue-comment.js";
import { onPullRequest } from "./handlers/pull-request.js";
import { onPush } from "./handlers/push.js";
import { onRerequested } from "./handlers/rerun.js";

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
  };
}

/** The Capstan GitHub App: wiring only; handlers live in src/handlers. */
export default createApp();
