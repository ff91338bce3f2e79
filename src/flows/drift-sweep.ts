import {
  type ClusterClient,
  checkDrift,
  type DriftCache,
  type DriftCheck,
  leaseHolder,
  type Owner,
  parentName,
  readDriftState,
  sameState,
  syncedRevision,
  writeDriftState,
} from "../cluster/index.js";
import { type Environment, parseDuration, type Reach } from "../config/index.js";
import {
  afterHeal,
  type DriftState,
  type DriftStep,
  findingsHash,
  healDecision,
  healToday,
  nextDriftState,
} from "../drift/index.js";
import { errorMessage } from "../errors.js";
import { type ActiveFreeze, frozenUntil } from "../freeze/index.js";
import { createDeployment, HEAL_TASK, setDeploymentStatus } from "../github/deployments.js";
import { commentOnDrift, publishDrift } from "../github/drift-issue.js";
import type { Pacer } from "../github/pacer.js";
import { fetchTree } from "../github/tarball.js";
import type { GitHub, Repo } from "../github/types.js";
import type { HealthOptions } from "../health/index.js";
import type { Manifest } from "../manifests/index.js";
import { metrics } from "../metrics.js";
import { type RenderOptions, renderEnvironment } from "../render/index.js";
import type { DriftReport } from "../report/drift.js";
import type { Log } from "../work-queue.js";
import { deployEnvironment } from "./deploy.js";
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
  /** What a heal needs; without it, `heal` mode only reports. */
  heal?: HealSettings;
}

/** How heals run for an environment in `heal` mode. */
export interface HealSettings {
  /** The head of the environment's deploy branch: a heal never runs while the environment is behind it. */
  branchHead(): Promise<string>;
  /** How far the repository may reach into the cluster (the server config's grant). */
  reach?: Reach;
  /** Heals per UTC day (the server config's `reconcile.healsPerDay`). */
  perDay: number;
  /** The deploy freeze on at a time, if any: no heal runs during one. */
  freeze?: (now: Date) => ActiveFreeze | undefined;
  /** The check interval, the unit of the backoff after a failed heal. */
  intervalMs: number;
  healthTimeoutMs?: number;
  health?: HealthOptions;
  signal?: AbortSignal;
}

/** What a check did: the step of the drift state, and the heal if one ran. */
export interface DriftSweepResult extends DriftStep {
  healed?: { ok: boolean; deployment: number; message: string };
}

/**
 * Checks one environment for drift and keeps its GitHub issue and its recorded state in step:
 * 1. the revision its parent records as last synced (an environment never synced has no drift);
 * 2. that revision's tree, rendered with that revision's own settings for the environment;
 * 3. the live objects compared with it (see `checkDrift`);
 * 4. the state moved on (`nextDriftState`), the issue updated on edges only;
 * 5. in `heal` mode, on confirmed drift, when `healDecision` allows: the synced revision re-applied under
 *    the environment's Lease, recorded as a GitHub Deployment of that revision, and checked again;
 * 6. the state written back to the parent only when it changed.
 * A check that could not judge every object changes nothing: it cannot tell drift from its absence.
 *
 * @returns the step taken, or `undefined` when the environment was not checked
 */
export async function sweepEnvironmentDrift(input: DriftSweepInput): Promise<DriftSweepResult | undefined> {
  const env = input.environment;
  if (env.drift.mode === "off" || !env.cluster) return undefined;
  const revision = await syncedRevision(input.cluster, env.name, env.namespace, input.owner);
  if (!revision || !/^[0-9a-f]{40}$/.test(revision)) return undefined;
  // Mid-sync, the live objects are between two revisions: the next check judges them.
  const holder = await leaseHolder(input.cluster, parentName(env.name), env.namespace).catch(() => "unknown");
  if (holder) {
    input.log.info({ environment: env.name, holder }, "drift not checked: a sync holds the Lease");
    return undefined;
  }
  const root = await fetchTree(input.octokit, input.repo, revision, input.cacheDir);
  const synced = (await readTreeConfig(root))?.environments.find((e) => e.name === env.name) ?? env;
  const { manifests } = await renderEnvironment(root, synced, input.render);
  const check = await compare(input, manifests);
  if (!check) return undefined;
  const now = input.now ?? new Date();
  const previous = await readDriftState(input.cluster, env.name, env.namespace);
  let step = advance(previous, check, now, revision, parseDuration(env.drift.grace));
  let issue = await publish(
    input,
    report(env, revision, step, previous, check),
    step,
    resolution(previous, revision),
  );
  let state: DriftState = { ...step.state, ...(issue !== undefined ? { issue } : {}) };
  let healed: DriftSweepResult["healed"];
  if (input.heal && env.drift.mode === "heal" && state.confirmed) {
    const decision = healDecision({
      mode: env.drift.mode,
      state,
      now,
      budget: input.heal.perDay,
      frozen: frozenText(input.heal.freeze?.(now)),
      behindBy: await behindBy(input.heal, revision),
      leaseHolder: await leaseHolder(input.cluster, parentName(env.name), env.namespace).catch(
        () => "unknown",
      ),
    });
    if (decision.heal) {
      healed = await heal(input, synced, manifests, revision);
      state = { ...state, heal: afterHeal(state.heal, healed.ok, now, input.heal.intervalMs) };
      if (healed.ok) {
        const again = await compare(input, manifests);
        if (again) {
          const before = state;
          step = advance(before, again, now, revision, parseDuration(env.drift.grace));
          issue = await publish(
            input,
            report(env, revision, step, before, again),
            step,
            `healed by Capstan: ${healed.message}`,
          );
          state = { ...step.state, ...(issue !== undefined ? { issue } : {}), heal: state.heal };
        }
      } else if (state.issue !== undefined) {
        await commentOnDrift(
          input.octokit,
          input.pacer,
          input.repo,
          state.issue,
          `Heal failed: ${healed.message}. Capstan tries again after ${state.heal?.retryAt}.`,
        );
      }
    } else {
      input.log.info({ environment: env.name, reason: decision.reason }, "drift not healed");
      if (decision.tell === "exhausted" && state.issue !== undefined) {
        await commentOnDrift(
          input.octokit,
          input.pacer,
          input.repo,
          state.issue,
          `Capstan stopped healing ${env.name} for today: ${decision.reason}. The drift needs a person, or heals resume tomorrow (UTC).`,
        );
        state = { ...state, heal: { ...healToday(state.heal, now), exhausted: true } };
      }
    }
  }
  if (!sameState(previous, state)) await writeDriftState(input.cluster, env.name, env.namespace, state);
  const labels = { repository: `${input.repo.owner}/${input.repo.repo}`, environment: env.name };
  metrics.drifted.set(labels, state.confirmed ? 1 : 0);
  metrics.driftChecked.set(labels, now.getTime() / 1000);
  input.log.info(
    { environment: env.name, edge: step.edge, findings: check.findings.length, requests: check.requests },
    "drift checked",
  );
  return { ...step, state, ...(healed ? { healed } : {}) };
}

async function compare(
  input: DriftSweepInput,
  manifests: readonly Manifest[],
): Promise<DriftCheck | undefined> {
  const env = input.environment;
  const check = await checkDrift(
    input.cluster,
    manifests,
    { name: env.name, namespace: env.namespace, ignore: env.drift.ignore, owner: input.owner },
    input.cache,
  );
  if (check.errors.length === 0) return check;
  input.log.info(
    { environment: env.name, errors: check.errors.map((e) => e.message) },
    "drift check incomplete: the state is left as it was",
  );
  return undefined;
}

// The next state, with what the sweep keeps beside it: the revision the drift was found against (kept
// while it lasts) and the heal record.
function advance(
  previous: DriftState,
  check: DriftCheck,
  now: Date,
  revision: string,
  graceMs: number,
): DriftStep {
  const step = nextDriftState(previous, check.findings, now, graceMs);
  const found = step.state.since !== undefined;
  return {
    ...step,
    state: {
      ...step.state,
      ...(found
        ? { revision: previous.since !== undefined ? (previous.revision ?? revision) : revision }
        : {}),
      ...(previous.heal ? { heal: previous.heal } : {}),
    },
  };
}

function report(
  env: Environment,
  revision: string,
  step: DriftStep,
  previous: DriftState,
  check: DriftCheck,
): DriftReport {
  return {
    environment: env.name,
    cluster: env.cluster!,
    revision,
    since: step.state.since ?? previous.since ?? "",
    findings: check.findings,
    hash: findingsHash(check.findings),
  };
}

// How drift went away without a heal: a sync of another revision overwrote it, or someone put it back.
function resolution(previous: DriftState, revision: string): string {
  if (previous.revision && previous.revision !== revision)
    return `a sync of ${revision.slice(0, 7)} overwrote it`;
  return "changed back by hand or by another tool";
}

async function publish(input: DriftSweepInput, drift: DriftReport, step: DriftStep, resolvedBy: string) {
  return publishDrift(input.octokit, input.pacer, input.repo, drift, step, resolvedBy);
}

function frozenText(freeze: ActiveFreeze | undefined): string | undefined {
  return freeze && frozenUntil(freeze);
}

async function behindBy(heal: HealSettings, revision: string): Promise<string | undefined> {
  try {
    const head = await heal.branchHead();
    return head === revision ? undefined : head;
  } catch (err) {
    // Not knowing the head is not knowing whether a deploy comes first: no heal.
    return `unknown (${errorMessage(err)})`;
  }
}

// Re-applies the synced revision inside a GitHub Deployment of it. The Lease is taken without waiting:
// a sync that started meanwhile wins, and this heal is simply not done.
async function heal(
  input: DriftSweepInput,
  env: Environment,
  manifests: readonly Manifest[],
  revision: string,
): Promise<NonNullable<DriftSweepResult["healed"]>> {
  const { octokit, pacer, repo } = input;
  const settings = input.heal!;
  const short = revision.slice(0, 7);
  const deployment = await createDeployment(octokit, pacer, repo, {
    sha: revision,
    environment: env.name,
    task: HEAL_TASK,
    description: `Capstan heals drift: re-applies ${short} to ${env.name}`,
  });
  await setDeploymentStatus(
    octokit,
    pacer,
    repo,
    deployment,
    "in_progress",
    `Healing drift: re-applying ${short}`,
  );
  let ok = false;
  let message: string;
  try {
    const result = await deployEnvironment({
      cluster: input.cluster,
      environment: env,
      manifests,
      revision,
      wait: true,
      timeoutMs: settings.healthTimeoutMs,
      signal: settings.signal,
      owner: input.owner,
      reach: settings.reach,
      lease: { waitMs: 0 },
      health: settings.health,
    });
    const failures = [
      ...result.sync.applied.flatMap((r) => (r.error ? [r.error.message] : [])),
      ...result.sync.problems,
    ];
    const health = result.health?.status;
    ok =
      result.sync.succeeded &&
      failures.length === 0 &&
      (health === undefined || health === "Healthy" || health === "Suspended");
    const applied = result.sync.applied.filter(
      (r) => r.action === "configured" || r.action === "created",
    ).length;
    const pruned = result.sync.pruned.filter((p) => !p.error).length;
    message = ok
      ? `re-applied ${short}: ${applied} objects restored, ${pruned} pruned (Deployment ${deployment})`
      : `re-applying ${short} failed: ${failures[0] ?? `health is ${result.health?.status}`}`;
  } catch (err) {
    message = `re-applying ${short} failed: ${errorMessage(err)}`;
  }
  await setDeploymentStatus(octokit, pacer, repo, deployment, ok ? "success" : "failure", message);
  metrics.deployments.inc({
    repository: `${repo.owner}/${repo.repo}`,
    environment: env.name,
    result: ok ? "success" : "failure",
  });
  input.log.info({ environment: env.name, revision, ok, deployment }, "drift heal");
  return { ok, deployment, message };
}
