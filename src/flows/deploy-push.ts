import { type ClusterClient, leaseHolder, parentName, syncedRevision } from "../cluster/index.js";
import { type Config, type Environment, fullName, type Reach, type ServerConfig } from "../config/index.js";
import { deepEqual } from "../diff/index.js";
import { errorMessage } from "../errors.js";
import {
  type ActiveFreeze,
  activeFreeze,
  describeFreeze,
  freezeEnd,
  freezeWindowsFor,
  frozenUntil,
} from "../freeze/index.js";
import {
  createDeployment,
  heldDeployments,
  inFlight,
  type PriorDeployment,
  priorDeployment,
  setDeploymentStatus,
} from "../github/deployments.js";
import { deployWrite, type Pacer } from "../github/pacer.js";
import {
  autoMerge,
  branchHead,
  findRevert,
  openRevert,
  pullRequestOf,
  REVERT_LABEL,
  RevertConflictError,
  revertMarker,
} from "../github/revert.js";
import { fetchTree } from "../github/tarball.js";
import type { GitHub, Repo } from "../github/types.js";
import { unhealthyLines } from "../health/index.js";
import { formatRef, type Manifest, refKey } from "../manifests/index.js";
import { metrics } from "../metrics.js";
import { type RenderOptions, renderEnvironment } from "../render/index.js";
import {
  type DeployOutcome,
  deployComment,
  deploySucceeded,
  HELD_PREFIX,
  healthFailed,
  revertBody,
  statusDescription,
} from "../report/deploy.js";
import { type DeployResult, deployEnvironment } from "./deploy.js";
import { planPush } from "./push-plan.js";
import { readTreeConfig } from "./tree-config.js";

const ZERO_SHA = /^0+$/;

/** A push to a branch, and what deploying it needs. */
export interface PushDeployInput {
  octokit: GitHub;
  pacer: Pacer;
  log: { info(o: object, msg?: string): void; error(o: object, msg?: string): void };
  repo: Repo;
  /**
   * The numeric ids of the repository and its owner, from the webhook: the server config's id-pinned
   * entries match them, and the cluster records the repository id as the owner of what it syncs.
   */
  ids: { id: number; ownerId: number };
  cacheDir: string;
  render: RenderOptions;
  server?: ServerConfig;
  /** A (cached) client of a cluster the server config names. */
  connect(name: string): ClusterClient;
  branch: string;
  defaultBranch: string;
  before: string;
  after: string;
  /** The pushed commit's message (the push's head_commit). */
  message: string;
  /** Override every environment's health timeout (tests). */
  healthTimeoutMs?: number;
  /** Aborted when the server stops: the running deploy stops and its Deployment says so. */
  signal?: AbortSignal;
  /**
   * Set when a sweep, not a push, asks: the branch head is deployed where its environments are behind.
   * Refusals were said when the push came and are not repeated; a Deployment that was cut off (in
   * flight, its Lease expired) is resumed rather than duplicated; a revision that failed is retried only
   * after a backoff.
   */
  sweep?: SweepOptions;
}

/** How a sweep's deploy treats earlier Deployments of the same revision. */
export interface SweepOptions {
  /** The first retry of a failed revision waits this long; each further one twice as long, up to an hour. */
  retryAfterMs: number;
  /** A GET that may be answered from a conditional-request cache. */
  get?: <T>(route: string, params: Record<string, unknown>) => Promise<T>;
}

const MAX_RETRY_MS = 60 * 60 * 1000;

/** Whether a sweep may deploy a revision again after `prior` (attempts back off exponentially). */
export function retryDue(prior: PriorDeployment, retryAfterMs: number, now = Date.now()): boolean {
  const wait = Math.min(retryAfterMs * 2 ** Math.max(0, prior.attempts - 1), MAX_RETRY_MS);
  return now - Date.parse(prior.at) >= wait;
}

/** What a push deployed, and what became of a revert. */
export interface PushDeployResult {
  outcomes: DeployOutcome[];
  /** What was said about reverting, if anything. */
  notes: string[];
}

/**
 * Deploys a push to a deploy branch.
 *
 * 1. Read the deploy authority: the config on the default branch (the pushed commit when the push is to
 *    the default branch, else the default branch's current head), never a pushed branch's own config.
 * 2. Plan (see `planPush`): the environments of this branch whose cluster the server grants the repository
 *    and accepts this branch. A push that deploys nothing is logged with the reason and touches no cluster.
 * 3. For each environment whose config or rendered objects changed since the revision the cluster last
 *    synced (or, never synced, since the push's `before`): a GitHub Deployment (queued → in_progress →
 *    success or failure), then sync within the repository's reach and wait for health. A refused
 *    environment, a render error or an object out of reach fails the Deployment and applies nothing.
 *    An environment in a freeze window (see `environmentFreeze`) gets a Deployment left queued, "Frozen
 *    until …", and nothing is applied: the sweep resumes it once the freeze is over, if the revision is
 *    still the branch head. Capstan's automatic reverts are deployed during a freeze, and say so.
 * 4. Comment on the PR the commit came from.
 * 5. When health failed, open one revert PR for the commit, unless the environment disabled reverts, the
 *    commit is itself a revert, the branch has moved on, or a revert of it exists already.
 */
export async function deployPush(input: PushDeployInput): Promise<PushDeployResult> {
  const repository = fullName(input.repo);
  if (!input.server) {
    input.log.info({ repository }, "push not deployed: the server config names no clusters");
    return { outcomes: [], notes: [] };
  }
  const onDefault = input.branch === input.defaultBranch;
  let root: string | undefined;
  let config: Config | undefined;
  let configError: string | undefined;
  try {
    if (onDefault) {
      root = await fetchTree(input.octokit, input.repo, input.after, input.cacheDir);
      config = await readTreeConfig(root);
    } else {
      const head = await branchHead(input.octokit, input.repo, input.defaultBranch);
      config = await readTreeConfig(await fetchTree(input.octokit, input.repo, head, input.cacheDir));
    }
  } catch (err) {
    if (!onDefault || root === undefined) {
      input.log.info(
        { repository, branch: input.branch, reason: errorMessage(err) },
        `push not deployed: the config on ${input.defaultBranch} cannot be read`,
      );
      return { outcomes: [], notes: [] };
    }
    configError = errorMessage(err);
  }
  // Off the default branch, the authority's settings apply to every revision compared.
  const configAt = onDefault ? readTreeConfig : async () => config;
  // The previous revision's config stands in only for a default branch whose own config is unreadable;
  // otherwise nothing more is fetched until the plan says something deploys.
  let baseline = !config && onDefault ? await baselineConfig(input, configAt) : undefined;
  const identity = { ...input.repo, ...input.ids };
  const plan = planPush(
    config ?? baseline?.config,
    input.server,
    identity,
    input.branch,
    input.defaultBranch,
  );
  if (plan.idle) {
    input.log.info({ repository, branch: input.branch, sha: input.after }, `push not deployed: ${plan.idle}`);
    return { outcomes: [], notes: [] };
  }
  baseline ??= await baselineConfig(input, configAt);
  const outcomes: DeployOutcome[] = [];
  const freezeNotes: string[] = [];
  const authority = config ?? baseline?.config;
  // Asked only when a freeze is on, and once.
  let revert: Promise<boolean> | undefined;
  const isRevert = () => {
    revert ??= isCapstanRevert(input);
    return revert;
  };
  for (const decision of plan.decisions) {
    // A server that is stopping starts no new deploy.
    if (input.signal?.aborted) break;
    const env = decision.environment;
    if (decision.action === "refuse" && input.sweep) continue;
    if (decision.action === "refuse") {
      input.log.info(
        { repository, branch: input.branch, environment: env.name, reason: decision.reason },
        "push not deployed to this environment",
      );
    }
    const windows = decision.action === "deploy" ? freezeWindowsFor(authority, env, input.server) : [];
    const freeze = activeFreeze(windows, new Date());
    const hold = freeze && !(await isRevert()) ? freeze : undefined;
    const outcome = configError
      ? await record(input, env, async () => ({ environment: env.name, error: configError! }))
      : await deployOne(
          input,
          // Fetched again for each environment (a cache hit that marks the tree used): an earlier
          // environment's health wait may have outlasted the cache's in-use window.
          { env, root: await fetchTree(input.octokit, input.repo, input.after, input.cacheDir), configAt },
          baseline,
          decision.action === "deploy" ? decision.reach : decision.reason,
          hold,
        );
    if (outcome) outcomes.push(outcome);
    // Only an environment with freeze windows can have a held Deployment that this one replaces.
    if (outcome && windows.length > 0) await supersedeHeld(input, env);
    if (outcome && freeze && !hold) {
      freezeNotes.push(
        `${env.name} is ${frozenUntil(freeze)}, and was deployed all the same: ${input.after.slice(0, 7)} is Capstan's automatic revert, which restores what was reviewed and ran before.`,
      );
    }
  }
  if (outcomes.length === 0) return { outcomes, notes: [] };
  const pr = await pullRequestOf(input.octokit, input.repo, input.after, input.branch);
  const notes = [...freezeNotes, ...(await maybeRevert(input, config, outcomes, pr))];
  if (pr) {
    await deployWrite(input.pacer, () =>
      input.octokit.rest.issues.createComment({
        ...input.repo,
        issue_number: pr.number,
        body: deployComment(input.after, outcomes, notes),
      }),
    );
  }
  input.log.info(
    { repository, sha: input.after, outcomes: outcomes.map(statusDescription), notes },
    "deployed",
  );
  return { outcomes, notes };
}

type ConfigAt = (root: string) => Promise<Config | undefined>;

interface Baseline {
  sha: string;
  root?: string;
  config?: Config;
}

// The config at the push's `before`, when there is one; a new branch has none.
async function baselineConfig(input: PushDeployInput, configAt: ConfigAt): Promise<Baseline | undefined> {
  if (ZERO_SHA.test(input.before)) return undefined;
  return treeAt(input, input.before, configAt);
}

// Deploys one environment within its reach if it changed, or fails its Deployment with the refusal;
// `undefined` when there is nothing to do.
async function deployOne(
  input: PushDeployInput,
  { env, root, configAt }: { env: Environment; root: string; configAt: ConfigAt },
  pushBaseline: Baseline | undefined,
  reach: Reach | string,
  hold?: ActiveFreeze,
): Promise<DeployOutcome | undefined> {
  if (hold && typeof reach !== "string") {
    // Held already (a redelivered push, or a sweep while the freeze lasts): its Deployment says until when.
    const prior = await priorDeployment(input.octokit, input.repo, input.after, env.name, input.sweep?.get);
    if (prior && inFlight(prior)) return undefined;
  }
  let rendered: Manifest[];
  try {
    rendered = (await renderEnvironment(root, env, input.render)).manifests;
  } catch (err) {
    return record(input, env, async () => ({ environment: env.name, error: errorMessage(err) }));
  }
  if (typeof reach === "string") {
    // Said once per change, not on every push to the branch. Nothing is read from or written to a cluster.
    if (!(await changedSince(input, env, rendered, pushBaseline))) return undefined;
    return record(input, env, async () => ({ environment: env.name, error: reach }));
  }
  const cluster = input.connect(env.cluster!);
  const owner = { id: input.ids.id, name: fullName(input.repo) };
  // What the cluster last synced is the baseline: a superseded or lost push is then still deployed.
  const synced = await syncedRevision(cluster, env.name, env.namespace, owner).catch(() => null);
  let resume: number | undefined;
  let resumeAfter: "interruption" | "freeze" = "interruption";
  if (input.sweep) {
    const prior = await priorDeployment(input.octokit, input.repo, input.after, env.name, input.sweep.get);
    // In flight, or stopped by a shutdown (`error`): carried on, unless its Lease says it still runs
    // (another replica, or this process before a restart, whose Lease has not expired yet).
    if (prior && (inFlight(prior) || prior.state === "error")) {
      const holder = await leaseHolder(cluster, parentName(env.name), env.namespace).catch(() => "unknown");
      if (holder) return undefined;
      resume = prior.id;
      if (prior.description?.startsWith(HELD_PREFIX)) resumeAfter = "freeze";
    } else if (synced === input.after) {
      return undefined;
    } else if (prior && !retryDue(prior, input.sweep.retryAfterMs)) {
      input.log.info(
        {
          repository: fullName(input.repo),
          environment: env.name,
          sha: input.after,
          attempts: prior.attempts,
        },
        "not deployed again yet: the last attempt failed, and retries back off",
      );
      return undefined;
    }
  } else if (synced === input.after) return undefined;
  let baseline = pushBaseline;
  // Unknown (unreadable, or written by `capstan sync --dir`): no baseline, so the environment counts as changed.
  if (synced === null || (synced !== undefined && !/^[0-9a-f]{40}$/.test(synced))) baseline = undefined;
  else if (synced !== undefined && synced !== pushBaseline?.sha)
    baseline = await treeAt(input, synced, configAt);
  // A resumed Deployment is finished even when the cut-off sync had already recorded the revision.
  if (resume === undefined && !(await changedSince(input, env, rendered, baseline))) return undefined;
  if (hold) return resume === undefined ? holdDeployment(input, env, hold) : undefined;
  return record(
    input,
    env,
    async () => {
      const started = Date.now();
      const result = await deployEnvironment({
        cluster,
        environment: env,
        manifests: rendered,
        revision: input.after,
        wait: true,
        timeoutMs: input.healthTimeoutMs,
        signal: input.signal,
        owner,
        reach,
        health: { terminationMessages: input.server!.clusters[env.cluster!]?.terminationMessages },
      });
      const count = (action: string) => result.sync.applied.filter((r) => r.action === action).length;
      observeDeploy(fullName(input.repo), env.name, result);
      return {
        environment: env.name,
        created: count("created"),
        configured: count("configured"),
        unchanged: count("unchanged"),
        pruned: result.sync.pruned.filter((p) => !p.error).length,
        kept: result.sync.kept.map((k) => `${formatRef(k.ref)}: ${k.reason}`),
        failures: [
          ...result.sync.applied.flatMap((r) => (r.error ? [r.error.message] : [])),
          ...result.sync.pruned.flatMap((p) => (p.error ? [p.error.message] : [])),
          ...result.sync.problems,
        ],
        health: result.health && {
          status: result.health.status,
          timedOut: result.health.timedOut,
          unhealthy: unhealthyLines(result.health),
        },
        durationMs: Date.now() - started,
      };
    },
    resume,
    resumeAfter,
  );
}

// Whether the pushed commit is Capstan's own revert (its trailer, or its PR's label), which a freeze
// lets through: it restores what was reviewed and ran before.
async function isCapstanRevert(input: PushDeployInput): Promise<boolean> {
  if (/^Capstan-Revert-Of: /m.test(input.message)) return true;
  const pr = await pullRequestOf(input.octokit, input.repo, input.after, input.branch);
  return pr?.labels.includes(REVERT_LABEL) ?? false;
}

// An older revision a freeze held will never deploy now: this one (held in its place, or deployed) goes
// instead, so the older Deployment stops waiting and says why.
async function supersedeHeld(input: PushDeployInput, env: Environment): Promise<void> {
  const { octokit, pacer, repo } = input;
  try {
    for (const held of await heldDeployments(octokit, repo, env.name, input.after)) {
      await setDeploymentStatus(
        octokit,
        pacer,
        repo,
        held.id,
        "inactive",
        `Superseded by ${input.after.slice(0, 7)}, which deploys instead`,
      );
    }
  } catch (err) {
    input.log.error({ err, environment: env.name }, "could not mark the held Deployments superseded");
  }
}

// A Deployment left queued, saying until when: nothing is read from or written to the cluster.
async function holdDeployment(
  input: PushDeployInput,
  env: Environment,
  freeze: ActiveFreeze,
): Promise<DeployOutcome> {
  const { octokit, pacer, repo } = input;
  const id = await createDeployment(octokit, pacer, repo, {
    sha: input.after,
    environment: env.name,
    description: `Capstan deploys ${input.after.slice(0, 7)} to ${env.name}`,
  });
  const outcome: DeployOutcome = {
    environment: env.name,
    frozen: { until: freezeEnd(freeze), why: describeFreeze(freeze), branch: input.branch },
    deploymentUrl: `https://github.com/${repo.owner}/${repo.repo}/deployments`,
  };
  await setDeploymentStatus(octokit, pacer, repo, id, "queued", statusDescription(outcome));
  metrics.deployments.inc({ repository: fullName(repo), environment: env.name, result: "frozen" });
  input.log.info(
    {
      repository: fullName(repo),
      environment: env.name,
      sha: input.after,
      until: freeze.until.toISOString(),
    },
    "held by a freeze",
  );
  return outcome;
}

/** Records one environment's deploy in the metrics: its durations and what it applied and pruned. */
export function observeDeploy(repository: string, environment: string, result: DeployResult): void {
  metrics.syncs.observe(result.durationMs / 1000);
  if (result.health) metrics.healthWaits.observe(result.health.durationMs / 1000);
  for (const applied of result.sync.applied) {
    if (!applied.error) metrics.applied.inc({ repository, environment, action: applied.action });
  }
  const pruned = result.sync.pruned.filter((p) => !p.error).length;
  if (pruned > 0) metrics.pruned.inc({ repository, environment }, pruned);
}

async function treeAt(input: PushDeployInput, sha: string, configAt: ConfigAt): Promise<Baseline> {
  try {
    const root = await fetchTree(input.octokit, input.repo, sha, input.cacheDir);
    return { sha, root, config: await configAt(root) };
  } catch {
    return { sha };
  }
}

// Whether an environment's config or objects differ from the baseline's; anything unknown counts as a change.
async function changedSince(
  input: PushDeployInput,
  env: Environment,
  rendered: Manifest[],
  baseline: Baseline | undefined,
): Promise<boolean> {
  const before = baseline?.config?.environments.find((e) => e.name === env.name);
  if (!baseline?.root || !before || !deepEqual(before, env)) return true;
  try {
    const old = (await renderEnvironment(baseline.root, before, input.render)).manifests;
    if (old.length !== rendered.length) return true;
    const byKey = new Map(old.map((m) => [refKey(m.ref), m.object]));
    return rendered.some((m) => !deepEqual(byKey.get(refKey(m.ref)), m.object));
  } catch {
    return true;
  }
}

// Runs one environment's deploy inside a GitHub Deployment: queued, in progress, then its verdict. A
// Deployment that was cut off (`resume`) is carried on instead of a second one being made.
async function record(
  input: PushDeployInput,
  env: Environment,
  run: () => Promise<DeployOutcome>,
  resume?: number,
  resumeAfter: "interruption" | "freeze" = "interruption",
): Promise<DeployOutcome> {
  const { octokit, pacer, repo } = input;
  const id =
    resume ??
    (await createDeployment(octokit, pacer, repo, {
      sha: input.after,
      environment: env.name,
      description: `Capstan deploys ${input.after.slice(0, 7)} to ${env.name}`,
    }));
  if (resume === undefined) await setDeploymentStatus(octokit, pacer, repo, id, "queued", "Waiting to sync");
  const doing =
    resume === undefined
      ? "Syncing"
      : resumeAfter === "freeze"
        ? "The freeze is over: syncing"
        : "Resumed after an interruption: syncing";
  await setDeploymentStatus(octokit, pacer, repo, id, "in_progress", `${doing} to cluster ${env.cluster}`);
  let outcome: DeployOutcome;
  try {
    outcome = await run();
  } catch (err) {
    outcome = { environment: env.name, error: errorMessage(err) };
  }
  outcome.deploymentUrl = `https://github.com/${repo.owner}/${repo.repo}/deployments`;
  // Cut off by a stopping server: `error`, so the sweep after a restart knows to carry it on.
  const state = deploySucceeded(outcome) ? "success" : input.signal?.aborted ? "error" : "failure";
  await setDeploymentStatus(octokit, pacer, repo, id, state, statusDescription(outcome));
  metrics.deployments.inc({ repository: fullName(repo), environment: env.name, result: state });
  return outcome;
}

async function maybeRevert(
  input: PushDeployInput,
  config: Config | undefined,
  outcomes: DeployOutcome[],
  pr: Awaited<ReturnType<typeof pullRequestOf>>,
): Promise<string[]> {
  const failed = outcomes.filter(healthFailed);
  if (failed.length === 0) return [];
  const enabled = failed.filter(
    (o) => config?.environments.find((e) => e.name === o.environment)?.revert.enabled ?? true,
  );
  const short = input.after.slice(0, 7);
  if (enabled.length === 0) return [`Not reverting ${short}: reverts are disabled for these environments.`];
  if (pr?.labels.includes(REVERT_LABEL) || /^Capstan-Revert-Of: /m.test(input.message)) {
    return [`Not reverting ${short}: it is itself a Capstan revert. The environment needs a person.`];
  }
  const head = await branchHead(input.octokit, input.repo, input.branch);
  if (head !== input.after) {
    return [
      `Not reverting ${short}: ${input.branch} has moved on to ${head.slice(0, 7)}, which will deploy next.`,
    ];
  }
  const existing = await findRevert(input.octokit, input.repo, input.after);
  if (existing) return [`A revert of ${short} exists already: #${existing.number}.`];
  const title = pr ? `Revert "${pr.title}"` : `Revert ${short}`;
  const body = revertBody({ sha: input.after, marker: revertMarker(input.after), pr, outcomes: enabled });
  try {
    const revert = await openRevert(input.octokit, input.pacer, input.repo, {
      sha: input.after,
      branch: input.branch,
      pr,
      title,
      body,
    });
    metrics.reverts.inc({ repository: fullName(input.repo) });
    const notes = [`Health failed, so Capstan opened a revert: #${revert.number} (${revert.url}).`];
    const wantsMerge = enabled.some(
      (o) => config?.environments.find((e) => e.name === o.environment)?.revert.autoMerge,
    );
    if (wantsMerge) {
      try {
        const how = await autoMerge(input.octokit, input.pacer, input.repo, revert);
        notes.push(how === "merged" ? "The revert was merged." : "Auto-merge is on for the revert.");
      } catch (err) {
        notes.push(`Auto-merge could not be enabled for the revert: ${errorMessage(err)}`);
      }
    }
    return notes;
  } catch (err) {
    if (err instanceof RevertConflictError)
      return [`Could not revert ${short}: ${err.message}. The environment needs a person.`];
    input.log.error({ err }, "revert failed");
    return [`Could not open a revert of ${short}: ${errorMessage(err)}`];
  }
}
