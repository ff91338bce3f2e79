import { APPLYSET } from "../cluster/applyset.js";
import {
  type ApplyResult,
  type ClusterClient,
  defaultApplyOptions,
  ensureNamespace,
  environmentApplySetId,
  type HealthWait,
  type LeaseOptions,
  parentName,
  resolveScopes,
  type SyncResult,
  syncEnvironment,
  waitForHealth,
  withLease,
} from "../cluster/index.js";
import { type Environment, parseDuration } from "../config/index.js";
import type { Manifest } from "../manifests/index.js";

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
 * @throws CapstanError when the Lease stays held by another, the parent belongs to another tool or the
 *   sync would empty the environment; nothing is applied then
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
  };
  if (input.dryRun) {
    const sync = await syncEnvironment(input.cluster, input.manifests, options);
    return { sync, durationMs: Date.now() - started };
  }
  await ensureNamespace(input.cluster, env.namespace);
  const lease = { ...input.lease, name: parentName(env.name), namespace: env.namespace };
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
        });
    if (signal.aborted) {
      // No verdict, so no revert: the deploy failed for a reason that is not this revision's health.
      const problems = [...sync.problems, `the health wait stopped: ${String(signal.reason)}`];
      return { sync: { ...sync, succeeded: false, problems }, durationMs: Date.now() - started };
    }
    return { sync, health, durationMs: Date.now() - started };
  });
}
