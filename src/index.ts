import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import type { AppIdentity } from "./github/sticky-comment.js";
import type { GitHub } from "./github/types.js";
import { type AppDeps, createDeps } from "./handlers/deps.js";
import { httpHandler } from "./handlers/http.js";
import { onIssueComment } from "./handlers/issue-comment.js";
import { onPullRequest } from "./handlers/pull-request.js";
import { onPush } from "./handlers/push.js";
import { onRerequested } from "./handlers/rerun.js";
import { leadership } from "./leadership.js";
import { metrics } from "./metrics.js";
import { Reconciler } from "./reconciler.js";

/** The Capstan app with the given dependencies (tests pass their own queue and pacing). */
export function createApp(deps?: AppDeps): ApplicationFunction {
  return (app: Probot, options?: ApplicationFunctionOptions) => {
    const shared = deps ?? createDeps(app.log);
    // `/metrics` and `/readyz` exist only under Probot's HTTP server (not in `probot.receive` tests).
    try {
      options?.addHandler(httpHandler(shared));
    } catch {}
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
      once(shared, onPullRequest(shared)),
    );
    app.on("issue_comment.created", once(shared, onIssueComment(shared)));
    app.on(["check_run.rerequested", "check_suite.rerequested"], once(shared, onRerequested(shared)));
    app.on("push", once(shared, onPush(shared)));
    if (shared.sweeps && shared.server?.reconcile.enabled !== false) {
      const reconciler = new Reconciler({
        deps: shared,
        log: app.log,
        app: async () => (await app.auth()) as GitHub,
        installation: async (id) => (await app.auth(id)) as GitHub,
      });
      const leader = leadership(shared, app.log, {
        onStartedLeading: () => reconciler.start(),
        onStoppedLeading: () => reconciler.stop(),
      });
      shared.reconciler = leader;
      leader.start();
    }
  };
}

/**
 * A handler that runs once per delivery (GitHub's manual redelivery repeats the `X-GitHub-Delivery` id),
 * counted in `capstan_webhooks_received_total` by event and outcome.
 */
function once<C extends { id: string; name: string }>(deps: AppDeps, handler: (context: C) => Promise<void>) {
  return async (context: C) => {
    if (!deps.firstDelivery(context.id)) {
      metrics.webhooks.inc({ event: context.name, outcome: "duplicate" });
      return;
    }
    try {
      await handler(context);
      metrics.webhooks.inc({ event: context.name, outcome: "accepted" });
    } catch (err) {
      metrics.webhooks.inc({ event: context.name, outcome: "failed" });
      throw err;
    }
  };
}

/** The Capstan GitHub App: wiring only; handlers live in src/handlers. */
export default createApp();
