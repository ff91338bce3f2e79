import { APPLYSET } from "../cluster/applyset.js";
import {
  type ApplyResult,
  type ClusterClient,
  checkParent,
  defaultApplyOptions,
  defaultHolder,
  ensureNamespace,
  environmentApplySetId,
  type HealthWait,
  type LeaseOptions,
  type Owner,
  parentName,
  resolveScopes,
  type SyncResult,
  syncEnvironment,
  waitForHealth,
  withLease,
} from "../cluster/index.js";
import { type Environment, parseDuration, type Reach } from "../config/index.js";
import { CapstanError } from "../errors.js";
import type { HealthOptions } from "../health/index.js";
import type { Manifest } from "../manifests/index.js";
import { REACH_RULE } from "../policy/index.js";
import { reachRefusals } from "./reach-check.js";

/** One environment to deploy: its config, rendered objects and revision, and how. */
export interface DeployInput {
  cluster: ClusterClient;
  environment: Environment;
  manifests: readonly Manifest[];
  revision: string;
  /** Only ask the apiserver: nothing is written, no lease is taken, no health is waited for. */
  dryRun?: boolean;
  /** Override the environment's `prune`. */
  prune?: boolean;
  /** Wait for health after a successful sync. */
  wait: boolean;
  /** How long to wait; default the environment's `healthTimeout`. */
  timeoutMs?: number;
  /** Lease settings other than name and namespace (holder, duration, how long to wait for it). */
  lease?: Omit<LeaseOptions, "name" | "namespace">;
  /** Called with each object's apply outcome as soon as it is known. */
  onResult?: (result: ApplyResult) => void;
  /** Stops the deploy (the server is shutting down): nothing more is sent and the wait ends. */
  signal?: AbortSignal;
  /** The repository deploying: recorded on the parent and the Lease; another repository's are refused. */
  owner?: Owner;
  /** Let `owner` take a parent that records no repository (an operator's explicit sync). */
  adoptUnowned?: boolean;
  /** How far the repository may reach into the cluster (the server config's grant); unbounded if absent. */
  reach?: Reach;
  /** Called after each object a prune deleted. */
  onPrune?: (ref: Manifest["ref"]) => void | Promise<void>;
  /** How health verdicts are worded (the cluster's `terminationMessages` setting). */
  health?: HealthOptions;
}

/** What a deploy did: the sync, then (if waited for) the health verdict. */
export interface DeployResult {
  sync: SyncResult;
  health?: HealthWait;
  durationMs: number;
}

/**
 * Deploys one environment: under the environment's Lease, sync its objects (apply, then prune through its
 * ApplySet) and, when asked and the sync succeeded, wait for their health. The Lease is held through the
 * wait, so the verdict belongs to this revision and not to a sync that started meanwhile.
 *
 * Before anything is written, every object is checked against the repository's reach (its namespaces,
 * with their live owners, and its cluster-scoped kinds): one object out of bounds refuses the whole
 * environment.
 *
 * @throws CapstanError when an object is out of reach, the Lease stays held by another, the parent belongs
 *   to another tool or repository, or the sync would empty the environment; nothing is applied then
 */
export async function deployEnvironment(input: DeployInput): Promise<DeployResult> {
  const started = Date.now();
  const env = input.environment;
  const options = {
    environment: env.name,
    namespace: env.namespace,
    revision: input.revision,
    prune: input.prune ?? env.prune,
    allowEmpty: env.allowEmpty,
    apply: { ...defaultApplyOptions(), dryRun: input.dryRun ?? false, onResult: input.onResult },
    owner: input.owner,
    adoptUnowned: input.adoptUnowned,
    onPrune: input.onPrune,
  };
  if (input.reach) await enforceReach(input, input.reach);
  if (input.dryRun) {
    const sync = await syncEnvironment(input.cluster, input.manifests, options);
    return { sync, durationMs: Date.now() - started };
  }
  // Another repository's environment is refused before its Lease is taken, so it is never held up.
  await checkParent(input.cluster, env.name, env.namespace, input.owner, input.adoptUnowned);
  await ensureNamespace(input.cluster, env.namespace, input.owner);
  const lease = {
    // Whoever finds the Lease held can tell which repository holds it.
    holder: input.owner ? `${input.owner.name}#${input.owner.id} ${defaultHolder()}` : undefined,
    ...input.lease,
    name: parentName(env.name),
    namespace: env.namespace,
  };
  return withLease(input.cluster, lease, async (leased) => {
    // Stop on a lost lease, or when the caller stops.
    const signal = input.signal ? AbortSignal.any([leased, input.signal]) : leased;
    const sync = await syncEnvironment(input.cluster, input.manifests, { ...options, signal });
    if (!input.wait || !sync.succeeded) return { sync, durationMs: Date.now() - started };
    // A deploy that lost its lease (or was stopped) does not wait: the verdict would not be this deploy's.
    const health = signal.aborted
      ? undefined
      : await waitForHealth(input.cluster, await resolveScopes(input.cluster, input.manifests), {
          timeoutMs: input.timeoutMs ?? parseDuration(env.healthTimeout),
          labelSelector: `${APPLYSET.partOf}=${environmentApplySetId(env.name, env.namespace)}`,
          signal,
          health: input.health,
        });
    if (signal.aborted) {
      // No verdict, so no revert: the deploy failed for a reason that is not this revision's health.
      const problems = [...sync.problems, `the health wait stopped: ${String(signal.reason)}`];
      return { sync: { ...sync, succeeded: false, problems }, durationMs: Date.now() - started };
    }
    return { sync, health, durationMs: Date.now() - started };
  });
}

// Refuses the whole environment when its namespace or any object is outside the repository's reach.
async function enforceReach(input: DeployInput, reach: Reach): Promise<void> {
  if (!input.owner) throw new CapstanError("a bounded deploy needs the repository's identity");
  const lines = await reachRefusals(input.cluster, input.manifests, input.environment, reach, input.owner);
  if (lines.length === 0) return;
  const shown = lines.slice(0, 5).join("; ");
  const more = lines.length > 5 ? ` (and ${lines.length - 5} more)` : "";
  // The first refusal leads: a Deployment's description keeps only 140 characters.
  throw new CapstanError(
    `${shown}${more} (refused by the server config's bounds, ${REACH_RULE}; nothing was applied)`,
  );
}
