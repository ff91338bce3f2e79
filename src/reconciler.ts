// The periodic sweeps that make Capstan level-triggered (webhooks hint, sweeps are the truth): which
// repositories there are, then per repository and branch whether a deploy was missed, per repository
// whether a preview was missed, and per environment whether the cluster drifted. The work a sweep finds
// goes to the same queues, under the same keys, as the webhook it stands in for, so the two never overlap.
import type { DriftCache } from "./cluster/index.js";
import { fullName, grantsFor, parseDuration } from "./config/index.js";
import { branchBehind } from "./flows/behind-sweep.js";
import { deployPush } from "./flows/deploy-push.js";
import { discoverRepositories, type Installed } from "./flows/discover.js";
import { sweepEnvironmentDrift } from "./flows/drift-sweep.js";
import { stalePullRequests } from "./flows/preview-sweep.js";
import { previewPullRequest } from "./flows/pull-request.js";
import { intervalsOf, planSweeps, type Sweep } from "./flows/sweep-plan.js";
import { environmentFreeze } from "./freeze/index.js";
import { ConditionalCache } from "./github/conditional.js";
import type { GitHub } from "./github/types.js";
import { type AppDeps, branchKey, deployInput, repositoryInput } from "./handlers/deps.js";
import { Scheduler } from "./scheduler.js";
import { type Log, WorkQueue, withFields } from "./work-queue.js";

const DISCOVER = "discover";

/** What the reconciler needs besides the app's shared dependencies. */
export interface ReconcilerInput {
  deps: AppDeps;
  log: Log;
  /** An Octokit authenticated as the app (Probot's `app.auth()`). */
  app(): Promise<GitHub>;
  /** An Octokit authenticated as an installation (Probot's `app.auth(id)`). */
  installation(id: number): Promise<GitHub>;
  random?: () => number;
}

/**
 * Runs the sweeps while started. Discovery runs at once and then every `reconcile.repositories`; each
 * discovery re-plans the other sweeps (`planSweeps`), keeping the schedule of a key whose interval did not
 * change. Sweeps run two at a time in a queue of their own, so a burst of them never delays a webhook's
 * work; what they find is queued like a webhook's.
 */
export class Reconciler {
  private scheduler: Scheduler;
  private readonly cache = new ConditionalCache();
  private readonly sweeps: WorkQueue;
  private repositories = new Map<string, Installed>();
  private readonly driftCaches = new Map<string, DriftCache>();

  constructor(private readonly input: ReconcilerInput) {
    this.scheduler = new Scheduler(input.log, input.random);
    this.sweeps = new WorkQueue(input.log, 2, "sweeps");
  }

  /** Starts the sweeps: discovery now, the others at their phases (again after a `stop`). */
  start(): void {
    this.scheduler.stop();
    this.scheduler = new Scheduler(this.input.log, this.input.random);
    const interval = parseDuration(this.input.deps.server?.reconcile.repositories ?? "10m");
    this.scheduler.every(DISCOVER, interval, () => this.discover(), { immediate: true });
  }

  /** Stops every schedule; a sweep that runs finishes, and what it queued runs in the app's queues. */
  async stop(): Promise<void> {
    this.scheduler.stop();
    await this.sweeps.idle();
  }

  /** The keys scheduled now (for tests and the log). */
  keys(): string[] {
    return this.scheduler.keys();
  }

  /** Re-reads the installations, repositories and configs, and re-plans the sweeps. */
  async discover(): Promise<void> {
    const found = await discoverRepositories({
      app: await this.input.app(),
      installation: (id) => this.input.installation(id),
      cache: this.cache,
      log: this.input.log,
    });
    this.repositories = new Map(found.map((r) => [fullName(r.repo), r]));
    const plan = planSweeps(found, this.input.deps.server, intervalsOf(this.input.deps.server));
    const keys = new Set(plan.map((s) => s.key));
    for (const key of this.scheduler.keys())
      if (key !== DISCOVER && !keys.has(key)) this.scheduler.cancel(key);
    for (const sweep of plan) {
      if (this.scheduler.intervalOf(sweep.key) === sweep.intervalMs) continue;
      this.scheduler.every(sweep.key, sweep.intervalMs, async () =>
        this.sweeps.push(sweep.key, () => this.run(sweep)),
      );
    }
    this.input.log.info(
      { repositories: found.length, sweeps: plan.length, notModified: this.cache.notModified },
      "reconcile: repositories discovered",
    );
  }

  /** Runs one sweep now (the scheduler calls this; tests may too). */
  async run(sweep: Sweep): Promise<void> {
    const installed = this.repositories.get(sweep.repository);
    if (!installed) return;
    // Every line of a sweep's work says which sweep, repository (and environment) it is about.
    const log = withFields(this.input.log, {
      sweep: sweep.kind,
      repository: sweep.repository,
      ...(sweep.kind === "drift" ? { environment: sweep.environment } : {}),
    });
    switch (sweep.kind) {
      case "behind":
        return this.behind(installed, sweep.branch, log);
      case "previews":
        return this.previews(installed, log);
      case "drift":
        return this.drift(installed, sweep.environment, log);
    }
  }

  private target(installed: Installed, log: Log) {
    return {
      octokit: installed.octokit,
      installation: installed.installation,
      log,
      repo: installed.repo,
      ids: installed.ids,
      defaultBranch: installed.defaultBranch,
    };
  }

  private async behind(installed: Installed, branch: string, log: Log): Promise<void> {
    const { deps } = this.input;
    const key = branchKey(installed.repo, branch);
    if (!deps.server || deps.deploys.busy(key)) return;
    const head = await branchBehind({
      installed,
      branch,
      server: deps.server,
      cache: this.cache,
      connect: (name) => deps.clusterFor(name),
    });
    if (!head) return;
    log.info({ branch, sha: head.sha }, "reconcile: behind, deploying");
    const get = <T>(route: string, params: Record<string, unknown>) =>
      this.cache.get<T>(installed.octokit, route, params);
    deps.deploys.push(key, () =>
      deployPush({
        ...deployInput(deps, this.target(installed, log)),
        branch,
        // The baseline is what each environment's cluster records; `before` is only for the never-synced.
        before: "0".repeat(40),
        after: head.sha,
        message: head.message,
        sweep: { retryAfterMs: intervalsOf(deps.server).behindMs, get },
      }),
    );
  }

  private async previews(installed: Installed, log: Log): Promise<void> {
    const { deps } = this.input;
    if (!deps.identity) return;
    const stale = await stalePullRequests({ installed, cache: this.cache, identity: await deps.identity() });
    for (const pr of stale) {
      const key = `${fullName(installed.repo)}#${pr.number}`;
      if (deps.queue.busy(key)) continue;
      log.info({ pr: pr.number }, "reconcile: no preview of the head");
      deps.queue.push(key, async () =>
        previewPullRequest({
          ...(await repositoryInput(deps, this.target(installed, withFields(log, { pr: pr.number })))),
          number: pr.number,
          baseSha: pr.baseSha,
          headSha: pr.headSha,
          fork: pr.fork,
          environments: [],
        }),
      );
    }
  }

  private async drift(installed: Installed, name: string, log: Log): Promise<void> {
    const { deps } = this.input;
    const env = installed.config.environments.find((e) => e.name === name);
    if (!env?.cluster || !deps.server) return;
    const key = `${fullName(installed.repo)}/${env.name}`;
    let cache = this.driftCaches.get(key);
    if (!cache) {
      cache = new Map() as DriftCache;
      this.driftCaches.set(key, cache);
    }
    const identity = { ...installed.repo, ...installed.ids };
    const branch = env.branch ?? installed.defaultBranch;
    await sweepEnvironmentDrift({
      octokit: installed.octokit,
      pacer: deps.pacerFor(installed.installation),
      log,
      repo: installed.repo,
      environment: env,
      cluster: deps.clusterFor(env.cluster),
      owner: { id: installed.ids.id, name: fullName(installed.repo) },
      cacheDir: deps.cacheDir,
      render: deps.render,
      cache,
      heal: {
        branchHead: async () =>
          (
            await this.cache.get<{ commit: { sha: string } }>(
              installed.octokit,
              "GET /repos/{owner}/{repo}/branches/{branch}",
              { ...installed.repo, branch },
            )
          ).commit.sha,
        reach: grantsFor(deps.server, identity).get(env.cluster),
        perDay: deps.server.reconcile.healsPerDay,
        freeze: (now) => environmentFreeze(installed.config, env, deps.server, now),
        intervalMs: intervalsOf(deps.server).driftMs ?? parseDuration(env.drift.interval),
        healthTimeoutMs: deps.healthTimeoutMs,
        health: { terminationMessages: deps.server.clusters[env.cluster]?.terminationMessages },
        signal: deps.shutdown.signal,
      },
    });
  }
}
