import type { Context } from "probot";
import { type ClusterClient, CrdSchemaSource, connect } from "../cluster/index.js";
import { parseDuration, type ServerConfig } from "../config/index.js";
import type { PushDeployInput } from "../flows/deploy-push.js";
import type { PreviewTask, PreviewTaskResult } from "../flows/preview-task.js";
import type { PullRequestPreviewInput } from "../flows/pull-request.js";
import { defaultPacerOptions, Pacer, type PacerOptions } from "../github/pacer.js";
import { connectRedis, RedisBudget } from "../github/redis-budget.js";
import type { AppIdentity } from "../github/sticky-comment.js";
import { defaultTreeCacheDir } from "../github/tree-cache.js";
import type { GitHub, Repo } from "../github/types.js";
import { metrics } from "../metrics.js";
import { cachedRenderOptions, observeRenders, type RenderOptions } from "../render/index.js";
import { type Log, WorkQueue, withFields } from "../work-queue.js";
import {
  defaultWorkerPoolOptions,
  type TaskAnswer,
  WorkerPool,
  type WorkerPoolOptions,
} from "../worker-pool.js";

/** What the handlers share: the work queue, a write pacer per installation, and where trees are cached. */
export interface AppDeps {
  /** Previews and commands: rendering, one job per PR. */
  queue: WorkQueue;
  /**
   * Deploys, one job per branch, apart from previews: a deploy spends minutes waiting for health, and
   * previews must not queue behind it.
   */
  deploys: WorkQueue;
  /** Aborted when the server stops: running deploys stop writing and record why on their Deployment. */
  shutdown: AbortController;
  /** The operator's clusters and which repositories may use them (`CAPSTAN_CONFIG`), if any. */
  server?: ServerConfig;
  /**
   * Worker threads that render, diff and check pull requests, each task with a time and memory budget,
   * so a hostile render never holds up webhooks, `/ping` or the deploys.
   */
  previews: WorkerPool<PreviewTask, PreviewTaskResult>;
  pacerFor(installation: number): Pacer;
  /** Who the app is (asked of GitHub once); set by `createApp`. */
  identity?: () => Promise<AppIdentity>;
  /** Whether a delivery is new; a redelivered webhook (same `X-GitHub-Delivery`) is handled once. */
  firstDelivery(id: string): boolean;
  /**
   * Whether someone is refused for the first time on a PR (`owner/repo#n@login`): a stranger's repeated
   * commands on a public repository cost one reaction each, and one reply in all.
   */
  firstRefusal(key: string): boolean;
  cacheDir: string;
  render: RenderOptions;
  /** A client of a cluster the server config names, kept for the process so connections are reused. */
  clusterFor(name: string): ClusterClient;
  /** The custom resource schemas the clusters serve, cached per CRD generation, for previews. */
  crdSchemas: CrdSchemaSource;
  /** Override every environment's health timeout (tests). */
  healthTimeoutMs?: number;
  /** Run the periodic sweeps (the server does; tests that deliver webhooks by hand do not). */
  sweeps?: boolean;
  /** The running sweeps, once `createApp` started them. */
  reconciler?: { stop(): Promise<void> };
}

// Enough to cover GitHub's manual redeliveries of recent webhooks, bounded for a long-running process.
const REMEMBERED_DELIVERIES = 10_000;

// Adds a key to a bounded set of recent ones; false when it was there already.
function remember(seen: Set<string>, key: string): boolean {
  if (seen.has(key)) return false;
  seen.add(key);
  if (seen.size > REMEMBERED_DELIVERIES) seen.delete(seen.values().next().value!);
  return true;
}

/** Dependencies for a running app. */
export function createDeps(
  log: Log,
  overrides: {
    pacer?: Partial<PacerOptions>;
    cacheDir?: string;
    server?: ServerConfig;
    healthTimeoutMs?: number;
    /** Budgets of the preview workers (the server config's `previews`). */
    previews?: Partial<WorkerPoolOptions>;
    /** A pool to share (tests share one per file, so each test does not boot its own workers). */
    previewPool?: WorkerPool<PreviewTask, PreviewTaskResult>;
    /** Run the periodic sweeps. */
    sweeps?: boolean;
    /** Share GitHub write budgets with the other replicas through this Redis (`REDIS_URL`). */
    redisUrl?: string;
  } = {},
): AppDeps {
  // Renders in this thread (deploys, drift checks, previews without a pool) are measured directly.
  observeRenders((renderer, seconds) => metrics.renders.observe({ renderer }, seconds));
  const pacers = new Map<number, Pacer>();
  // One connection for every installation's shared budget.
  const redis = overrides.redisUrl ? connectRedis(overrides.redisUrl) : undefined;
  const clusters = new Map<string, ClusterClient>();
  const cacheDir = overrides.cacheDir ?? defaultTreeCacheDir();
  const deliveries = new Set<string>();
  const refusals = new Set<string>();
  const clusterFor = (name: string): ClusterClient => {
    if (!overrides.server) throw new Error("no server config: Capstan has no clusters");
    let client = clusters.get(name);
    if (!client) {
      client = connect(overrides.server, name);
      clusters.set(name, client);
    }
    return client;
  };
  return {
    queue: new WorkQueue(log, 4, "previews"),
    deploys: new WorkQueue(log, 4, "deploys"),
    shutdown: new AbortController(),
    previews: overrides.previewPool ?? previewPool({ ...budgetsOf(overrides.server), ...overrides.previews }),
    server: overrides.server,
    healthTimeoutMs: overrides.healthTimeoutMs,
    sweeps: overrides.sweeps,
    pacerFor(installation) {
      let pacer = pacers.get(installation);
      if (!pacer) {
        const options = { ...defaultPacerOptions(), ...writesOf(overrides.server), ...overrides.pacer };
        const shared = redis ? { shared: new RedisBudget(redis, installation, options, log) } : {};
        pacer = new Pacer({ ...options, ...shared });
        pacers.set(installation, pacer);
      }
      return pacer;
    },
    firstDelivery(id) {
      return remember(deliveries, id);
    },
    firstRefusal(key) {
      return remember(refusals, key);
    },
    cacheDir,
    render: {
      ...cachedRenderOptions(cacheDir),
      ...(overrides.server?.previews.renders ? { concurrency: overrides.server.previews.renders } : {}),
    },
    clusterFor,
    crdSchemas: new CrdSchemaSource(clusterFor),
  };
}

/** The worker threads that run pull request previews, with these budgets over the defaults. */
export function previewPool(
  options: Partial<WorkerPoolOptions> = {},
): WorkerPool<PreviewTask, PreviewTaskResult> {
  return new WorkerPool(new URL(`../flows/preview-worker${extension()}`, import.meta.url), {
    ...defaultWorkerPoolOptions("the preview"),
    ...options,
  });
}

// The server config's `githubWrites` section as pacer options (the defaults without a server config).
function writesOf(server: ServerConfig | undefined): Partial<PacerOptions> {
  if (!server) return {};
  const { spacing, perHour, reservedForDeploys } = server.githubWrites;
  return { spacingMs: parseDuration(spacing), perHour, reservedForDeploys };
}

// The server config's `previews` section as pool options (its defaults when there is no server config).
function budgetsOf(server: ServerConfig | undefined): Partial<WorkerPoolOptions> {
  if (!server) return {};
  const { workers, timeout, memoryMiB } = server.previews;
  return {
    ...(workers !== undefined ? { size: workers } : {}),
    timeoutMs: parseDuration(timeout),
    maxHeapMb: memoryMiB,
  };
}

// `.ts` when running from the sources (the tests), `.js` from the build.
function extension(): string {
  return import.meta.url.endsWith(".ts") ? ".ts" : ".js";
}

/** The parts of a preview's input that come from the webhook's context, resolved inside a queued job. */
export async function contextInput(deps: AppDeps, context: Context) {
  const payload = context.payload as {
    installation?: { id: number };
    repository?: { id: number; default_branch?: string; owner?: { id: number } | null };
  };
  const repo = context.repo();
  return repositoryInput(deps, {
    octokit: context.octokit,
    installation: payload.installation?.id ?? 0,
    // Probot's event logger carries the delivery id; every line of the job also names the repository.
    log: withFields(context.log, { repository: `${repo.owner}/${repo.repo}` }),
    repo,
    ids: { id: payload.repository?.id, ownerId: payload.repository?.owner?.id },
    defaultBranch: payload.repository?.default_branch ?? "main",
  });
}

/** A repository some work is for, as a webhook or a sweep knows it. */
export interface RepositoryTarget<Ids = { id: number; ownerId: number }> {
  /** Authenticated as the repository's installation. */
  octokit: GitHub;
  installation: number;
  log: Log;
  repo: Repo;
  /** The numeric ids of the repository and its owner. */
  ids: Ids;
  defaultBranch: string;
}

/** The parts of a preview's input that depend on the repository only (a webhook's, or a sweep's). */
export async function repositoryInput(
  deps: AppDeps,
  target: RepositoryTarget<{ id?: number; ownerId?: number }>,
) {
  if (!deps.identity) throw new Error("the app's identity is not wired (createApp sets it)");
  return {
    octokit: target.octokit,
    pacer: deps.pacerFor(target.installation),
    log: target.log,
    repo: target.repo,
    repository: { ...target.repo, ...target.ids },
    defaultBranch: target.defaultBranch,
    cacheDir: deps.cacheDir,
    render: deps.render,
    server: deps.server,
    identity: await deps.identity(),
    schemas: (cluster: string, gvks: string[]) => deps.crdSchemas.lookup(cluster, gvks),
    runPreview: async (task: PreviewTask, answer?: TaskAnswer) => {
      const result = await deps.previews.run(task, answer);
      for (const [renderer, seconds] of result.renders ?? []) metrics.renders.observe({ renderer }, seconds);
      return result;
    },
    clusterFor: (name: string) => deps.clusterFor(name),
  } satisfies Partial<PullRequestPreviewInput>;
}

/** The parts of a deploy's input that depend on the repository only (a push's, or a sweep's). */
export function deployInput(deps: AppDeps, target: RepositoryTarget) {
  return {
    octokit: target.octokit,
    pacer: deps.pacerFor(target.installation),
    log: target.log,
    repo: target.repo,
    ids: target.ids,
    defaultBranch: target.defaultBranch,
    cacheDir: deps.cacheDir,
    render: deps.render,
    server: deps.server,
    connect: (name: string) => deps.clusterFor(name),
    healthTimeoutMs: deps.healthTimeoutMs,
    signal: deps.shutdown.signal,
  } satisfies Partial<PushDeployInput>;
}

/** The queue key of a branch's deploys: a push and a sweep's catch-up of the same branch never overlap. */
export function branchKey(repo: Repo, branch: string): string {
  return `${repo.owner}/${repo.repo}@${branch}`;
}

/** The queue key of a pull request: all work that writes its comment and checks runs one job at a time. */
export function prKey(context: Context, number: number): string {
  const { owner, repo } = context.repo();
  return `${owner}/${repo}#${number}`;
}
