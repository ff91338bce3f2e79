import {
  type ClusterClient,
  checkDrift,
  type DriftCache,
  type Owner,
  readDriftState,
  sameState,
  syncedRevision,
  writeDriftState,
} from "../cluster/index.js";
import { type Environment, parseDuration } from "../config/index.js";
import { type DriftStep, findingsHash, nextDriftState } from "../drift/index.js";
import { publishDrift } from "../github/drift-issue.js";
import type { Pacer } from "../github/pacer.js";
import { fetchTree } from "../github/tarball.js";
import type { GitHub, Repo } from "../github/types.js";
import { type RenderOptions, renderEnvironment } from "../render/index.js";
import type { Log } from "../work-queue.js";
import { readTreeConfig } from "./tree-config.js";

/** One environment's drift check, and what it needs. */
export interface DriftSweepInput {
  octokit: GitHub;
  pacer: Pacer;
  log: Log;
  repo: Repo;
  /** The environment as the default branch's config has it: its drift settings are the reviewed ones. */
  environment: Environment;
  cluster: ClusterClient;
  /** The repository that deploys it, as recorded on the parent. */
  owner?: Owner;
  cacheDir: string;
  render: RenderOptions;
  /** Dry-run results kept between checks of this environment. */
  cache: DriftCache;
  now?: Date;
}

/**
 * Checks one environment for drift and keeps its GitHub issue and its recorded state in step:
 * 1. the revision its parent records as last synced (an environment never synced has no drift);
 * 2. that revision's tree, rendered with that revision's own settings for the environment;
 * 3. the live objects compared with it (see `checkDrift`);
 * 4. the state moved on (`nextDriftState`), the issue updated on edges only, the state written back to the
 *    parent only when it changed.
 * A check that could not judge every object changes nothing: it cannot tell drift from its absence.
 *
 * @returns the step taken, or `undefined` when the environment was not checked
 */
export async function sweepEnvironmentDrift(input: DriftSweepInput): Promise<DriftStep | undefined> {
  const env = input.environment;
  if (env.drift.mode === "off" || !env.cluster) return undefined;
  const revision = await syncedRevision(input.cluster, env.name, env.namespace, input.owner);
  if (!revision || !/^[0-9a-f]{40}$/.test(revision)) return undefined;
  const root = await fetchTree(input.octokit, input.repo, revision, input.cacheDir);
  const synced = (await readTreeConfig(root))?.environments.find((e) => e.name === env.name) ?? env;
  const { manifests } = await renderEnvironment(root, synced, input.render);
  const check = await checkDrift(
    input.cluster,
    manifests,
    { name: env.name, namespace: env.namespace, ignore: env.drift.ignore, owner: input.owner },
    input.cache,
  );
  if (check.errors.length > 0) {
    input.log.info(
      { environment: env.name, errors: check.errors.map((e) => e.message) },
      "drift check incomplete: the state is left as it was",
    );
    return undefined;
  }
  const previous = await readDriftState(input.cluster, env.name, env.namespace);
  const step = nextDriftState(
    previous,
    check.findings,
    input.now ?? new Date(),
    parseDuration(env.drift.grace),
  );
  const issue = await publishDrift(
    input.octokit,
    input.pacer,
    input.repo,
    {
      environment: env.name,
      cluster: env.cluster,
      revision,
      since: step.state.since ?? previous.since ?? "",
      findings: check.findings,
      hash: findingsHash(check.findings),
    },
    step,
  );
  const state = { ...step.state, ...(issue !== undefined ? { issue } : {}) };
  if (!sameState(previous, state)) await writeDriftState(input.cluster, env.name, env.namespace, state);
  input.log.info(
    { environment: env.name, edge: step.edge, findings: check.findings.length, requests: check.requests },
    "drift checked",
  );
  return { ...step, state };
}
