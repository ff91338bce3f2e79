import { Octokit } from "@octokit/rest";
import { parseConfig, readConfigFile } from "../config/index.js";
import { CapstanError, ConfigError, errorMessage, UsageError } from "../errors.js";
import { previewEnvironments } from "../flows/preview.js";
import { publicationOf } from "../flows/preview-publication.js";
import { forkSchemas } from "../flows/preview-task.js";
import { type PreviewTarget, publishPreview } from "../flows/pull-request.js";
import { type CheckRunOutput, publishCheckRun } from "../github/check-runs.js";
import { Pacer } from "../github/pacer.js";
import type { CommentAuthor } from "../github/sticky-comment.js";
import { fetchTree } from "../github/tarball.js";
import { defaultTreeCacheDir } from "../github/tree-cache.js";
import type { GitHub } from "../github/types.js";
import { cachedRenderOptions } from "../render/index.js";
import { kubeconfigSchemas } from "./cluster-schemas.js";
import { type DiffOptions, formatDiff, type PullRequestRef } from "./diff.js";

/** How `capstan diff --pr` reaches GitHub. */
export interface GitHubAccess {
  /** A client for GitHub's REST API; one built from `env` when absent. */
  octokit?: GitHub;
  /** `GITHUB_TOKEN` (or `GH_TOKEN`), `GITHUB_API_URL`, `GITHUB_ACTIONS`. */
  env: NodeJS.ProcessEnv;
  /** Where notes for the person running the command go (what was posted, what was refused). */
  note: (line: string) => void;
}

/**
 * Runs `capstan diff --pr OWNER/REPO#N`: the same preview the App would make of that pull request, from
 * the same tarballs of its base and head commits, printed. With `comment`, the sticky comment and both
 * checks are posted or updated as the App would (a result for a head that moved on meanwhile is not).
 *
 * @returns the text to print and the exit code: 0, or 1 when an environment could not be rendered
 * @throws ConfigError for an invalid config at head (after posting it, with `comment`); CapstanError when
 *   GitHub refuses the token or the pull request cannot be read
 */
export async function diffPullRequest(
  options: DiffOptions & { pr: PullRequestRef },
  access: GitHubAccess,
): Promise<{ output: string; exitCode: number }> {
  const octokit = access.octokit ?? clientFrom(access.env);
  const repo = { owner: options.pr.owner, repo: options.pr.repo };
  const label = `${repo.owner}/${repo.repo}#${options.pr.number}`;
  const pr = await readPullRequest(octokit, options.pr, label);
  const config = options.config
    ? await readConfigFile(options.config, (text, file) => parseConfig(text, file))
    : undefined;
  const cacheDir = defaultTreeCacheDir(access.env);
  const [baseRoot, headRoot] = await Promise.all([
    fetchTree(octokit, repo, pr.baseSha, cacheDir),
    fetchTree(octokit, repo, pr.headSha, cacheDir),
  ]);
  const subject = {
    baseSha: pr.baseSha,
    headSha: pr.headSha,
    fork: pr.fork,
    environments: options.environments,
  };
  const target: PreviewTarget | undefined = options.comment
    ? await commentTarget(octokit, access, repo, options.pr.number, pr.headSha)
    : undefined;
  let result: Awaited<ReturnType<typeof previewEnvironments>>;
  try {
    result = await previewEnvironments({
      baseRoot,
      headRoot,
      config,
      environments: options.environments,
      freeze: { now: new Date() },
      // As in the App, a fork's pull request never reads a cluster, whatever kubeconfig is at hand.
      schemas: pr.fork ? forkSchemas : kubeconfigSchemas(options.cluster),
      render: cachedRenderOptions(cacheDir),
    });
  } catch (err) {
    if (target && err instanceof ConfigError) {
      const outcome = await publishPreview(target, {
        kind: "config-error",
        file: err.file,
        problems: [...err.problems],
      });
      if (outcome === "config-error") access.note(`posted the config's problems on ${label}`);
    }
    throw err;
  }
  const subtitle = `Comparing ${label}: ${pr.baseSha.slice(0, 7)} (base) → ${pr.headSha.slice(0, 7)} (head)${pr.fork ? ", from a fork" : ""}`;
  const printed = formatDiff(result, subtitle, options.format);
  if (!target) return printed;
  // The report is printed whatever GitHub says to the writes; a refused write fails the command.
  try {
    const outcome = await publishPreview(target, {
      kind: "published",
      publication: publicationOf(result, subject),
    });
    access.note(
      outcome === "superseded"
        ? `nothing posted: the head of ${label} moved on from ${pr.headSha.slice(0, 7)} while it was previewed`
        : outcome === "unaffected"
          ? `${label} changes no environment: the checks say so`
          : `posted the preview on ${label}`,
    );
    return printed;
  } catch (err) {
    access.note(errorMessage(writeRefused(err, label)));
    return { output: printed.output, exitCode: 1 };
  }
}

// The same client the App's adapter takes, authenticated by a token instead of an installation.
function clientFrom(env: NodeJS.ProcessEnv): GitHub {
  const token = env.GITHUB_TOKEN || env.GH_TOKEN;
  if (!token)
    throw new UsageError(
      "--pr reads the pull request through GitHub's API: set GITHUB_TOKEN (or GH_TOKEN) to a token that can read the repository",
    );
  return new Octokit({
    auth: token,
    // Set by Actions runners, and on GitHub Enterprise Server.
    baseUrl: env.GITHUB_API_URL || "https://api.github.com",
    userAgent: "capstan-cli",
  }) as unknown as GitHub;
}

interface PullRequestHeads {
  baseSha: string;
  headSha: string;
  fork: boolean;
}

async function readPullRequest(
  octokit: GitHub,
  ref: PullRequestRef,
  label: string,
): Promise<PullRequestHeads> {
  try {
    const { data } = await octokit.rest.pulls.get({
      owner: ref.owner,
      repo: ref.repo,
      pull_number: ref.number,
    });
    return {
      baseSha: data.base.sha,
      headSha: data.head.sha,
      // As the App decides: a head in another repository (or one since deleted) is a fork's.
      fork: data.head.repo?.full_name !== data.base.repo.full_name,
    };
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 401) throw new CapstanError(`GitHub refused the token (401): ${errorMessage(err)}`);
    if (status === 404)
      throw new CapstanError(`${label} was not found, or the token may not read ${ref.owner}/${ref.repo}`);
    throw new CapstanError(`${label} could not be read: ${errorMessage(err)}`);
  }
}

/**
 * Who the token writes as. A workflow's `GITHUB_TOKEN` may not ask (`GET /user` answers 403 to an
 * installation token), and writes as `github-actions[bot]`.
 */
async function tokenAuthor(octokit: GitHub, env: NodeJS.ProcessEnv): Promise<CommentAuthor> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return { login: data.login };
  } catch (err) {
    const status = (err as { status?: number }).status;
    if ((status === 403 || status === 401) && env.GITHUB_ACTIONS === "true")
      return { login: "github-actions[bot]" };
    throw new CapstanError(
      `--comment needs to know whose comments to update, and GitHub did not say who the token is (${status ?? errorMessage(err)})`,
    );
  }
}

async function commentTarget(
  octokit: GitHub,
  access: GitHubAccess,
  repo: { owner: string; repo: string },
  number: number,
  headSha: string,
): Promise<PreviewTarget> {
  const identity = await tokenAuthor(octokit, access.env);
  const pacer = new Pacer();
  let checksRefused = false;
  // Only a GitHub App (a workflow's token is one) may create check runs. With a personal token the
  // checks become commit statuses of the same names, which branch protection can require just the same.
  const publishCheck = async (check: CheckRunOutput) => {
    if (!checksRefused) {
      try {
        return await publishCheckRun(octokit, pacer, repo, check);
      } catch (err) {
        if ((err as { status?: number }).status !== 403) throw err;
        checksRefused = true;
        access.note("GitHub refused to create check runs for this token; posting commit statuses instead");
      }
    }
    return pacer.write(() =>
      octokit.rest.repos.createCommitStatus({
        ...repo,
        sha: check.headSha,
        state: check.conclusion === "failure" ? "failure" : "success",
        context: check.name,
        description: check.title.slice(0, 140),
      }),
    );
  };
  // The command says what it posted (or why not) itself; only errors are worth a line of their own.
  const log = {
    info: () => {},
    error: (fields: object, msg?: string) => access.note(`${msg ?? ""} ${JSON.stringify(fields)}`.trim()),
  };
  return { octokit, pacer, log, repo, number, headSha, identity, publishCheck };
}

// A workflow run for a fork's pull request gets a read-only token: the preview was printed, and the
// reason it could not be posted is said plainly.
function writeRefused(err: unknown, label: string): unknown {
  const status = (err as { status?: number }).status;
  if (status !== 403 && status !== 404) return err;
  return new CapstanError(
    `GitHub refused to write the preview to ${label} (${status}): the token needs pull-requests: write and checks: write (or statuses: write); a workflow run for a fork's pull request only gets a read-only token`,
  );
}
