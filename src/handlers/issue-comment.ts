import type { Context } from "probot";
import { CapstanError } from "../errors.js";
import { previewLive } from "../flows/live-preview.js";
import { previewPullRequest } from "../flows/pull-request.js";
import { permissionOf, react, reply } from "../github/commands.js";
import { MAX_COMMENT_PARTS } from "../report/index.js";
import { type AppDeps, contextInput, prKey } from "./deps.js";
import { HELP, parsePrCommand } from "./parse-command.js";

const ALLOWED = new Set(["admin", "write"]);

/** A comment on a PR: run `/preview` or `/help` for people with write access, refuse politely otherwise. */
export function onIssueComment(deps: AppDeps) {
  return async (context: Context<"issue_comment.created">) => {
    const { comment, issue, sender } = context.payload;
    if (!issue.pull_request || sender.type === "Bot") return;
    const command = parsePrCommand(comment.body);
    if (!command) return;
    const { owner, repo: name } = context.repo();
    deps.queue.push(`${owner}/${name}#${issue.number}:comment:${comment.id}`, async () => {
      const input = await contextInput(deps, context);
      const { octokit, pacer, repo } = input;
      // A 😕 and a reply naming why: every refusal says what went wrong.
      const refuse = async (why: string) => {
        await react(octokit, pacer, repo, comment.id, "confused");
        await reply(octokit, pacer, repo, issue.number, `@${sender.login} ${why}`);
      };
      const permission = await permissionOf(octokit, repo, sender.login);
      if (!ALLOWED.has(permission)) {
        // Anyone can comment on a public repository: a stranger's commands cost a reaction each, and
        // the explanation is given once per person and PR, so they cannot spend the app's write budget.
        await react(octokit, pacer, repo, comment.id, "confused");
        if (deps.firstRefusal(`${owner}/${name}#${issue.number}@${sender.login}`)) {
          await reply(
            octokit,
            pacer,
            repo,
            issue.number,
            `@${sender.login} Sorry, Capstan takes commands only from people with write access to this repository (yours: ${permission}).`,
          );
        }
        return;
      }
      await react(octokit, pacer, repo, comment.id, "eyes");
      if (command.name === "help") {
        await reply(octokit, pacer, repo, issue.number, HELP);
        await react(octokit, pacer, repo, comment.id, "rocket");
        return;
      }
      // The comment has no head SHA: pin the PR's head as it is now.
      const { data: pr } = await octokit.rest.pulls.get({ ...repo, pull_number: issue.number });
      const fork = pr.head.repo?.full_name !== pr.base.repo.full_name;
      if (command.live) {
        if (fork)
          return refuse(
            "`/preview live` is not available for pull requests from forks: their content never meets a cluster.",
          );
        const server = deps.server;
        if (!server)
          return refuse(
            "`/preview live` needs clusters, and this Capstan has none configured (CAPSTAN_CONFIG).",
          );
        deps.queue.push(prKey(context, issue.number), async () => {
          try {
            const parts = await previewLive({
              ...input,
              server,
              headSha: pr.head.sha,
              environments: command.environments,
            });
            for (const part of parts.slice(0, MAX_COMMENT_PARTS))
              await reply(octokit, pacer, repo, issue.number, part);
            await react(octokit, pacer, repo, comment.id, "rocket");
          } catch (err) {
            if (!(err instanceof CapstanError)) throw err;
            await refuse(err.message);
          }
        });
        return;
      }
      // The preview itself joins the PR's queue, so it never runs beside a push's preview of the same PR.
      deps.queue.push(prKey(context, issue.number), async () => {
        try {
          const outcome = await previewPullRequest({
            ...input,
            number: issue.number,
            baseSha: pr.base.sha,
            headSha: pr.head.sha,
            fork,
            environments: command.environments,
          });
          await react(
            octokit,
            pacer,
            repo,
            comment.id,
            outcome === "superseded" || outcome === "failed" ? "confused" : "rocket",
          );
        } catch (err) {
          if (!(err instanceof CapstanError)) throw err;
          await refuse(err.message);
        }
      });
    });
  };
}
