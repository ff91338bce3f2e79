import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { type ClusterClient, readDriftState } from "../cluster/index.js";
import {
  allowedClusters,
  CONFIG_PATH,
  grantsFor,
  type RepositoryIdentity,
  type ServerConfig,
} from "../config/index.js";
import { CapstanError, ConfigError, errorMessage, UsageError } from "../errors.js";
import { type Annotation, type CheckRunOutput, publishCheckRun } from "../github/check-runs.js";
import { reply } from "../github/commands.js";
import type { Pacer } from "../github/pacer.js";
import {
  type CommentAuthor,
  hasPreviewComment,
  partMarker,
  upsertPreviewComment,
} from "../github/sticky-comment.js";
import { fetchTree } from "../github/tarball.js";
import type { GitHub, Repo } from "../github/types.js";
import { metrics } from "../metrics.js";
import type { RenderOptions } from "../render/index.js";
import type { Log } from "../work-queue.js";
import type { TaskAnswer } from "../worker-pool.js";
import type { SchemaSource } from "./preview.js";
import { DIFF_CHECK, POLICY_CHECK } from "./preview-publication.js";
import {
  type PreviewTask,
  type PreviewTaskResult,
  runPreviewTask,
  type SchemaRequest,
  taskError,
} from "./preview-task.js";
import { readTreeConfig } from "./tree-config.js";

/** Where a preview's result is published: a pull request, through a client that may write to it. */
export interface PreviewTarget {
  octokit: GitHub;
  pacer: Pacer;
  log: Log;
  repo: Repo;
  number: number;
  /** The head SHA pinned when the work was accepted; results for any other head are dropped. */
  headSha: string;
  /** Who writes the comments, to tell them from everyone else's. */
  identity: CommentAuthor;
  /** Publishes one check; the App's check run when absent. */
  publishCheck?: (check: CheckRunOutput) => Promise<unknown>;
}

/** Everything a pull request preview needs, as plain arguments. */
export interface PullRequestPreviewInput extends PreviewTarget {
  /** The repository's name and numeric ids, which the server config's grants match. */
  repository: RepositoryIdentity;
  /** The repository's default branch: the only one that deploys unless the server config allows more. */
  defaultBranch: string;
  baseSha: string;
  /** The head comes from a fork: rendered without credentials, no live diff. */
  fork: boolean;
  /** Environments asked for (`/preview staging`); all affected ones when empty. */
  environments: string[];
  cacheDir: string;
  render: RenderOptions;
  /** When set, environments may only name clusters it allows this repository. */
  server?: ServerConfig;
  /** A client of a cluster the server config names, to read whether an environment has drifted. */
  clusterFor?: (name: string) => ClusterClient;
  /** Reads custom resource schemas from a cluster the server config names (never for a fork). */
  schemas?: SchemaSource;
  /**
   * Where the preview's CPU-heavy part runs (a worker pool), answering what the task asks; in this
   * thread when absent.
   */
  runPreview?: (task: PreviewTask, answer?: TaskAnswer) => Promise<PreviewTaskResult>;
}

/** How a preview ended. */
export type PreviewOutcome =
  | "posted"
  | "unaffected"
  | "superseded"
  | "config-error"
  | "failed"
  | "not-configured";

export { DIFF_CHECK, MAX_ANNOTATIONS, POLICY_CHECK } from "./preview-publication.js";

/**
 * Previews a pull request and publishes the result.
 *
 * 1. Fetch the base and head trees (tarballs by SHA, cached).
 * 2. Render, diff and run policy per environment; keep the affected ones (changed or failing to render).
 * 3. Drop the result if the PR's head has moved on since the work was accepted.
 * 4. Upsert the sticky comment (or say the change no longer affects anything) and publish both checks.
 *
 * An invalid config at head, or one naming a cluster the server does not allow this repository, gives
 * failing checks with an annotation on the config line and a short comment.
 */
export async function previewPullRequest(input: PullRequestPreviewInput): Promise<PreviewOutcome> {
  const started = performance.now();
  let outcome: PreviewOutcome | "error" = "error";
  try {
    outcome = await previewOrFail(input);
    return outcome;
  } finally {
    metrics.previews.observe({ outcome }, (performance.now() - started) / 1000);
  }
}

async function previewOrFail(input: PullRequestPreviewInput): Promise<PreviewOutcome> {
  try {
    return await preview(input);
  } catch (err) {
    // A preview that cannot run (a tarball that cannot be fetched, an environment name that does not
    // exist) says so on the PR instead of leaving the checks pending forever.
    // A usage error (`/preview stagin`) is the commenter's to hear about, not the PR's checks.
    if (!(err instanceof CapstanError) || err instanceof ConfigError || err instanceof UsageError) throw err;
    if (await isSuperseded(input)) return "superseded";
    await publishFailure(input, err);
    return "failed";
  }
}

async function preview(input: PullRequestPreviewInput): Promise<PreviewOutcome> {
  const { octokit, repo } = input;
  const [baseRoot, headRoot] = await Promise.all([
    fetchTree(octokit, repo, input.baseSha, input.cacheDir),
    fetchTree(octokit, repo, input.headSha, input.cacheDir),
  ]);
  // A repository without a Capstan config on either side does not use Capstan: say nothing.
  if (!(await hasConfig(headRoot)) && !(await hasConfig(baseRoot))) return "not-configured";
  const task: PreviewTask = {
    baseRoot,
    headRoot,
    subject: {
      baseSha: input.baseSha,
      headSha: input.headSha,
      fork: input.fork,
      environments: input.environments,
    },
    render: input.render,
    server: input.server,
    repository: input.repository,
    defaultBranch: input.defaultBranch,
    warnings: await driftWarnings(input, baseRoot),
  };
  const answer = schemaAnswer(input);
  task.schemasFromCluster = answer !== undefined;
  return publishPreview(input, await (input.runPreview ?? runPreviewTask)(task, answer));
}

/**
 * Publishes a preview task's result on its pull request, unless the head has moved on since: the sticky
 * comment and both checks, a reply for a preview of named environments, or failing checks and a short
 * comment for an invalid config.
 *
 * @throws the task's error when it failed for another reason than the config
 */
export async function publishPreview(
  target: PreviewTarget,
  outcome: PreviewTaskResult,
): Promise<Exclude<PreviewOutcome, "failed" | "not-configured">> {
  const { octokit, pacer, repo } = target;
  const publishCheck = target.publishCheck ?? ((check) => publishCheckRun(octokit, pacer, repo, check));
  if (outcome.kind !== "published") {
    const err = taskError(outcome);
    if (!(err instanceof ConfigError)) throw err;
    if (await isSuperseded(target)) return "superseded";
    await publishConfigError(target, publishCheck, err);
    return "config-error";
  }
  if (await isSuperseded(target)) return "superseded";
  const publication = outcome.publication;
  switch (publication.kind) {
    case "reply":
      for (const part of publication.parts) await reply(octokit, pacer, repo, target.number, part);
      return "posted";
    case "unaffected":
      if (await hasPreviewComment(octokit, target.identity, repo, target.number))
        await upsertPreviewComment(octokit, pacer, target.identity, repo, target.number, [
          publication.notice,
        ]);
      for (const check of publication.checks) await publishCheck(check);
      return "unaffected";
    case "posted":
      await upsertPreviewComment(octokit, pacer, target.identity, repo, target.number, publication.parts);
      for (const check of publication.checks) await publishCheck(check);
      return "posted";
  }
}

const DRIFT_READ_TIMEOUT_MS = 5000;
const sleep = (ms: number) =>
  new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref());

/**
 * For each environment of the base's config (reviewed, unlike the head's) whose cluster the server grants
 * this repository, whether its live objects have drifted from what it last synced: merging would
 * overwrite those changes, and the reviewer should know. Fork PRs never reach a cluster. An environment
 * whose state cannot be read (never synced, cluster unreachable) simply gets no warning.
 */
async function driftWarnings(
  input: PullRequestPreviewInput,
  baseRoot: string,
): Promise<Record<string, string[]> | undefined> {
  const { server, clusterFor } = input;
  if (input.fork || !server || !clusterFor || input.repository.id === undefined) return undefined;
  const config = await readTreeConfig(baseRoot).catch(() => undefined);
  const grants = grantsFor(server, input.repository);
  const warnings: Record<string, string[]> = {};
  for (const env of config?.environments ?? []) {
    if (!env.cluster || !grants.has(env.cluster) || env.drift.mode === "off") continue;
    // A cluster that cannot be reached (or whose kubeconfig cannot be read) costs the preview a few
    // seconds at most, never the preview itself.
    const read = (async () =>
      readDriftState(clusterFor(env.cluster!), env.name, env.namespace, input.repository.id))();
    const state = await Promise.race([read.catch(() => undefined), sleep(DRIFT_READ_TIMEOUT_MS)]);
    if (!state?.confirmed) continue;
    const issue = state.issue !== undefined ? ` (#${state.issue})` : "";
    warnings[env.name] = [
      `The live objects on ${env.cluster} have drifted from the revision last synced${issue}: merging overwrites those live changes.`,
    ];
  }
  return warnings;
}

/**
 * Answers a preview task's requests for custom resource schemas, for clusters the server grants this
 * repository. A fork's pull request never reaches a cluster: which CRDs a cluster has, and their
 * schemas, are not for an outsider to probe.
 */
function schemaAnswer(input: PullRequestPreviewInput): TaskAnswer | undefined {
  const { server, schemas } = input;
  if (input.fork || !server || !schemas) return undefined;
  const allowed = allowedClusters(server, input.repository);
  return async (request) => {
    const { cluster, gvks } = request as SchemaRequest;
    if (typeof cluster !== "string" || !allowed.has(cluster))
      throw new Error(`cluster ${String(cluster)} is not granted to this repository`);
    return schemas(
      cluster,
      (Array.isArray(gvks) ? gvks : []).filter((g): g is string => typeof g === "string"),
    );
  };
}

async function hasConfig(root: string): Promise<boolean> {
  try {
    await lstat(join(root, CONFIG_PATH));
    return true;
  } catch {
    return false;
  }
}

async function isSuperseded(input: PreviewTarget): Promise<boolean> {
  const { data } = await input.octokit.rest.pulls.get({ ...input.repo, pull_number: input.number });
  if (data.head.sha === input.headSha) return false;
  input.log.info(
    { pr: input.number, pinned: input.headSha, head: data.head.sha },
    "superseded: the head moved on",
  );
  return true;
}

async function publishConfigError(
  input: PreviewTarget,
  publishCheck: (check: CheckRunOutput) => Promise<unknown>,
  err: ConfigError,
): Promise<void> {
  const annotations: Annotation[] = err.problems.map((p) => ({
    path: err.file,
    line: p.line,
    level: "failure",
    title: "Invalid Capstan config",
    message: `${p.path ? `${p.path}: ` : ""}${p.message}`,
  }));
  const summary = `Capstan could not read \`${err.file}\`:\n\n\`\`\`\n${errorMessage(err)}\n\`\`\``;
  for (const name of [DIFF_CHECK, POLICY_CHECK]) {
    await publishCheck({
      name,
      headSha: input.headSha,
      conclusion: "failure",
      title: `Invalid ${CONFIG_PATH}`,
      summary,
      annotations: name === DIFF_CHECK ? annotations : [],
    });
  }
  // The comment lists the first problems only; the check's annotations have them all.
  const shown = err.problems
    .slice(0, 20)
    .map((p) => `${err.file}:${p.line}: ${p.path ? `${p.path}: ` : ""}${p.message}`);
  const more =
    err.problems.length > shown.length
      ? `\n… and ${err.problems.length - shown.length} more (see the capstan/diff check)`
      : "";
  await upsertPreviewComment(input.octokit, input.pacer, input.identity, input.repo, input.number, [
    `${partMarker(1)}\n### Capstan preview\n\n❌ Capstan could not read \`${err.file}\`:\n\n\`\`\`\n${shown.join("\n")}${more}\n\`\`\`\n\nFix the file and push again; the checks have the details.`,
  ]);
}

async function publishFailure(input: PullRequestPreviewInput, err: CapstanError): Promise<void> {
  const summary = `Capstan could not preview ${input.headSha.slice(0, 7)}:\n\n\`\`\`\n${errorMessage(err)}\n\`\`\``;
  for (const name of [DIFF_CHECK, POLICY_CHECK]) {
    await publishCheckRun(input.octokit, input.pacer, input.repo, {
      name,
      headSha: input.headSha,
      conclusion: "failure",
      title: "Preview failed",
      summary,
      annotations: [],
    });
  }
}
