import { lstat } from "node:fs/promises";
import { join } from "node:path";
import {
  CONFIG_PATH,
  checkClusterAccess,
  grantsFor,
  type RepositoryIdentity,
  type ServerConfig,
} from "../config/index.js";
import { CapstanError, ConfigError, errorMessage, UsageError } from "../errors.js";
import { type Annotation, publishCheckRun } from "../github/check-runs.js";
import { reply } from "../github/commands.js";
import type { Pacer } from "../github/pacer.js";
import {
  type AppIdentity,
  hasPreviewComment,
  partMarker,
  upsertPreviewComment,
} from "../github/sticky-comment.js";
import { fetchTree } from "../github/tarball.js";
import type { GitHub, Repo } from "../github/types.js";
import { formatRef } from "../manifests/index.js";
import { countFindings, summarizeFindings } from "../policy/index.js";
import type { RenderOptions } from "../render/index.js";
import { capParts, type EnvironmentReport, MAX_COMMENT_PARTS, renderReport } from "../report/index.js";
import type { Log } from "../work-queue.js";
import { previewEnvironments } from "./preview.js";

/** Everything a pull request preview needs, as plain arguments. */
export interface PullRequestPreviewInput {
  octokit: GitHub;
  pacer: Pacer;
  log: Log;
  repo: Repo;
  /** The repository's name and numeric ids, which the server config's grants match. */
  repository: RepositoryIdentity;
  /** The repository's default branch: the only one that deploys unless the server config allows more. */
  defaultBranch: string;
  number: number;
  baseSha: string;
  /** The head SHA pinned when the work was accepted; results for any other head are dropped. */
  headSha: string;
  /** The head comes from a fork: rendered without credentials, no live diff. */
  fork: boolean;
  /** Environments asked for (`/preview staging`); all affected ones when empty. */
  environments: string[];
  cacheDir: string;
  render: RenderOptions;
  /** When set, environments may only name clusters it allows this repository. */
  server?: ServerConfig;
  /** The app itself, to tell its own comments from everyone else's. */
  identity: AppIdentity;
}

/** How a preview ended. */
export type PreviewOutcome =
  | "posted"
  | "unaffected"
  | "superseded"
  | "config-error"
  | "failed"
  | "not-configured";

export const DIFF_CHECK = "capstan/diff";
/** The most findings annotated on the policy check (four writes of 50). */
export const MAX_ANNOTATIONS = 200;
export const POLICY_CHECK = "capstan/policy";

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
  const { octokit, pacer, repo } = input;
  const [baseRoot, headRoot] = await Promise.all([
    fetchTree(octokit, repo, input.baseSha, input.cacheDir),
    fetchTree(octokit, repo, input.headSha, input.cacheDir),
  ]);
  // A repository without a Capstan config on either side does not use Capstan: say nothing.
  if (!(await hasConfig(headRoot)) && !(await hasConfig(baseRoot))) return "not-configured";
  let result: Awaited<ReturnType<typeof previewEnvironments>>;
  try {
    const server = input.server;
    const grants = server ? grantsFor(server, input.repository) : undefined;
    result = await previewEnvironments({
      baseRoot,
      headRoot,
      configChecks: server
        ? (config) => checkClusterAccess(config, server, input.repository, input.defaultBranch)
        : undefined,
      reach:
        grants && input.repository.id !== undefined
          ? {
              of: (env) => (env.cluster ? grants.get(env.cluster) : undefined),
              repositoryId: input.repository.id,
            }
          : undefined,
      environments: input.environments,
      render: input.render,
    });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (await isSuperseded(input)) return "superseded";
    await publishConfigError(input, err);
    return "config-error";
  }
  if (await isSuperseded(input)) return "superseded";
  // `/preview staging` answers with those environments only, in a reply: the sticky comment and the
  // checks always describe the whole change, so a partial run never turns a failing check green.
  if (input.environments.length > 0) {
    const parts = capParts(
      renderReport({ environments: result.environments, subtitle: subtitle(input) }),
      result.environments,
      "### Capstan preview (index)",
      { max: MAX_COMMENT_PARTS, budget: 65_536, command: "capstan diff" },
    );
    for (const part of parts) await reply(octokit, pacer, repo, input.number, part);
    return "posted";
  }
  const affected = result.environments.filter((e) => e.error || (e.diff?.changes.length ?? 0) > 0);
  if (affected.length === 0 && result.removedEnvironments.length === 0) {
    if (await hasPreviewComment(octokit, input.identity, repo, input.number)) {
      await upsertPreviewComment(octokit, pacer, input.identity, repo, input.number, [
        `${partMarker(1)}\n### Capstan preview\n\nAs of ${input.headSha.slice(0, 7)}, this pull request no longer changes any environment.`,
      ]);
    }
    await publishChecks(input, [], "No environment is affected by this change.");
    return "unaffected";
  }
  const parts = renderReport(
    { environments: affected, subtitle: subtitle(input), removedEnvironments: result.removedEnvironments },
    { budget: 65_536, prefix: (i) => `${partMarker(i)}\n` },
  );
  const posted = capParts(parts, affected, `${partMarker(MAX_COMMENT_PARTS)}\n### Capstan preview (index)`, {
    max: MAX_COMMENT_PARTS,
    budget: 65_536,
    command: `capstan diff --repo . --base ${input.baseSha.slice(0, 7)} --head ${input.headSha.slice(0, 7)}`,
  });
  await upsertPreviewComment(octokit, pacer, input.identity, repo, input.number, posted);
  await publishChecks(input, affected, parts.join("\n\n"));
  return "posted";
}

async function hasConfig(root: string): Promise<boolean> {
  try {
    await lstat(join(root, CONFIG_PATH));
    return true;
  } catch {
    return false;
  }
}

function subtitle(input: PullRequestPreviewInput): string {
  const line = `Comparing ${input.baseSha.slice(0, 7)} (base) → ${input.headSha.slice(0, 7)} (head)`;
  if (!input.fork) return line;
  return `${line}\n\n⚠️ This pull request comes from a fork: it was rendered without any credentials, and \`/preview live\` is not available for it.`;
}

async function isSuperseded(input: PullRequestPreviewInput): Promise<boolean> {
  const { data } = await input.octokit.rest.pulls.get({ ...input.repo, pull_number: input.number });
  if (data.head.sha === input.headSha) return false;
  input.log.info(
    { pr: input.number, pinned: input.headSha, head: data.head.sha },
    "superseded: the head moved on",
  );
  return true;
}

async function publishChecks(
  input: PullRequestPreviewInput,
  affected: EnvironmentReport[],
  report: string,
): Promise<void> {
  const failed = affected.filter((e) => e.error);
  const changed = affected.reduce((n, e) => n + (e.diff?.changes.length ?? 0), 0);
  await publishCheckRun(input.octokit, input.pacer, input.repo, {
    name: DIFF_CHECK,
    headSha: input.headSha,
    conclusion: failed.length > 0 ? "failure" : "success",
    title:
      failed.length > 0
        ? `${failed.length} environment${failed.length === 1 ? "" : "s"} could not be rendered`
        : affected.length === 0
          ? "No environment affected"
          : `${changed} object${changed === 1 ? "" : "s"} change in ${affected.length} environment${affected.length === 1 ? "" : "s"}`,
    summary: affected.length === 0 ? report : report.split("\n#### ")[0]!,
    text: affected.length === 0 ? undefined : report,
    annotations: [],
  });
  const findings = affected.flatMap((e) => (e.policy?.findings ?? []).map((f) => ({ env: e.name, f })));
  const { errors } = countFindings(findings.map((x) => x.f));
  await publishCheckRun(input.octokit, input.pacer, input.repo, {
    name: POLICY_CHECK,
    headSha: input.headSha,
    conclusion: errors > 0 || failed.length > 0 ? "failure" : "success",
    title:
      failed.length > 0
        ? "Not every environment could be checked"
        : `Policy: ${summarizeFindings(findings.map((x) => x.f))}`,
    summary:
      affected.length === 0
        ? "No environment is affected by this change."
        : affected
            .map(
              (e) =>
                `- \`${e.name}\`: ${e.policy ? summarizeFindings(e.policy.findings) : `not checked: ${e.error ?? "not rendered"}`}`,
            )
            .join("\n") +
          (findings.length > MAX_ANNOTATIONS
            ? `\n\nThe first ${MAX_ANNOTATIONS} of ${findings.length} findings are annotated; the preview comment lists them all.`
            : ""),
    // Each 50 annotations cost a write: the first few hundred findings carry one, the rest are counted
    // in the summary, so a render with thousands of findings cannot spend the write budget.
    annotations: findings.slice(0, MAX_ANNOTATIONS).map(({ env, f }) => toAnnotation(env, f)),
  });
}

// A rendered stream (`deploy/x (kustomize build)`) is not a file GitHub can annotate: the annotation goes
// on the kustomization and names the line of the rendered output.
function toAnnotation(
  env: string,
  f: NonNullable<EnvironmentReport["policy"]>["findings"][number],
): Annotation {
  const rendered = /^(.*) \((kustomize build|helm template)\)$/.exec(f.file);
  return {
    path: rendered
      ? `${rendered[1] === "." ? "" : `${rendered[1]}/`}${rendered[2] === "kustomize build" ? "kustomization.yaml" : "Chart.yaml"}`
      : f.file,
    line: rendered ? 1 : f.line,
    level: f.severity === "error" ? "failure" : "warning",
    title: `${f.rule}: ${formatRef(f.ref)} (${env})`,
    message: `${rendered ? `${rendered[2]} output, line ${f.line}: ` : ""}${f.message}\n\nFix: ${f.hint}`,
  };
}

async function publishConfigError(input: PullRequestPreviewInput, err: ConfigError): Promise<void> {
  const annotations: Annotation[] = err.problems.map((p) => ({
    path: err.file,
    line: p.line,
    level: "failure",
    title: "Invalid Capstan config",
    message: `${p.path ? `${p.path}: ` : ""}${p.message}`,
  }));
  const summary = `Capstan could not read \`${err.file}\`:\n\n\`\`\`\n${errorMessage(err)}\n\`\`\``;
  for (const name of [DIFF_CHECK, POLICY_CHECK]) {
    await publishCheckRun(input.octokit, input.pacer, input.repo, {
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
