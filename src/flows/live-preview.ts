import { connect, liveDiff } from "../cluster/index.js";
import {
  allowedClusters,
  checkClusterAccess,
  type Environment,
  grantsFor,
  type RepositoryIdentity,
  type ServerConfig,
} from "../config/index.js";
import { errorMessage, UsageError } from "../errors.js";
import { fetchTree } from "../github/tarball.js";
import type { GitHub, Repo } from "../github/types.js";
import { type RenderOptions, renderEnvironment } from "../render/index.js";
import { type EnvironmentReport, renderReport } from "../report/index.js";
import { selectEnvironments } from "./preview.js";
import { reachRefusals } from "./reach-check.js";
import { readTreeConfig } from "./tree-config.js";

/** What a live preview needs. */
export interface LivePreviewInput {
  octokit: GitHub;
  repo: Repo;
  /** The repository's name and numeric ids, which the server config's grants match. */
  repository: RepositoryIdentity;
  headSha: string;
  /** Environments asked for; all with a cluster when empty. */
  environments: string[];
  server: ServerConfig;
  cacheDir: string;
  render: RenderOptions;
}

/**
 * Diffs a PR's head against what runs in each environment's cluster now.
 *
 * 1. Fetch the head tree and read its config, checking that each cluster is allowed for the repository.
 * 2. For each selected environment with a cluster: render the head, then dry-run every object with
 *    server-side apply and compare the result with the live object.
 * 3. Return the report's parts (for a reply; the sticky comment and checks are not touched).
 *
 * @throws UsageError for an unknown environment or one without a cluster; ConfigError for an invalid config
 */
export async function previewLive(input: LivePreviewInput): Promise<string[]> {
  const repository = input.repository;
  const root = await fetchTree(input.octokit, input.repo, input.headSha, input.cacheDir);
  const config = await readTreeConfig(root, undefined, (c) =>
    checkClusterAccess(c, input.server, repository),
  );
  if (!config) throw new UsageError("this pull request has no .github/capstan.yml at its head");
  const named = selectEnvironments(config, input.environments);
  const selected = input.environments.length > 0 ? named : named.filter((e) => e.cluster !== undefined);
  if (selected.length === 0)
    throw new UsageError(
      "no environment of this pull request names a cluster, so there is nothing live to compare with",
    );
  const allowed = allowedClusters(input.server, repository);
  const reports: EnvironmentReport[] = [];
  for (const env of selected) reports.push(await liveReport(input, env, allowed));
  return renderReport({
    environments: reports,
    subtitle: `Live diff: what syncing ${input.headSha.slice(0, 7)} would change in each cluster now (server-side dry-run, and the objects a sync would prune).`,
  });
}

async function liveReport(
  input: LivePreviewInput,
  env: Environment,
  allowed: Set<string>,
): Promise<EnvironmentReport> {
  const report: EnvironmentReport = { name: env.name, notices: [] };
  if (!env.cluster || !allowed.has(env.cluster)) {
    report.error = env.cluster
      ? `cluster "${env.cluster}" is not allowed for this repository`
      : "this environment names no cluster";
    return report;
  }
  try {
    const rendered = await renderEnvironment(
      await fetchTree(input.octokit, input.repo, input.headSha, input.cacheDir),
      env,
      input.render,
    );
    report.renderer = rendered.renderer;
    const cluster = connect(input.server, env.cluster);
    const owner =
      input.repository.id !== undefined
        ? { id: input.repository.id, name: `${input.repo.owner}/${input.repo.repo}` }
        : undefined;
    // What a sync would refuse, judged first: objects out of reach are neither read nor dry-run, so a
    // live preview never shows another repository's objects.
    const reach = grantsFor(input.server, input.repository).get(env.cluster);
    if (reach) {
      if (!owner) throw new UsageError("the repository's id is unknown, so its reach cannot be judged");
      const bounds = await reachRefusals(cluster, rendered.manifests, env, reach, owner);
      if (bounds.length > 0) {
        report.refused = bounds.map((b) => `${b} (the server config's bounds)`);
        report.notices.push(
          "Not compared with the cluster: a sync would refuse this environment under the server config's bounds.",
        );
        return report;
      }
    }
    const result = await liveDiff(cluster, rendered.manifests, {
      name: env.name,
      namespace: env.namespace,
      prune: env.prune,
      owner,
    });
    report.diff = { changes: result.changes, unchanged: result.unchanged };
    report.refused = result.errors.map((e) => e.message);
  } catch (err) {
    report.error = errorMessage(err);
  }
  return report;
}
