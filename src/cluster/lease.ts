import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { ApiException, CoordinationV1Api, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import { CapstanError } from "../errors.js";
import { apiClient } from "./api-client.js";
import type { ClusterClient } from "./connect.js";

/** Options for {@link withLease}. */
export interface LeaseOptions {
  /** The Lease's name and namespace. */
  name: string;
  namespace: string;
  /** Who holds it, as other holders will read it; unique per process by default. */
  holder?: string;
  /** How long a lease stays held without renewal: a crashed holder's lease is free after this. */
  durationSeconds?: number;
  /** How long to wait for another holder to finish before giving up. */
  waitMs?: number;
  /** How often to look again while another holder has it. */
  pollMs?: number;
}

/** This process's default holder identity: host, pid and a random suffix (two clients, two holders). */
export function defaultHolder(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString("hex")}`;
}

/**
 * Runs `fn` while holding a Lease (coordination.k8s.io/v1) in the target cluster, so two processes never
 * run it for the same Lease at once. The Lease is taken when it is free, expired (unchanged for its
 * duration, by this process's clock: its holder stopped renewing) or already ours; every write carries
 * the resourceVersion read, so of two takers only one wins. It is renewed every third of its duration while `fn` runs and released afterwards. If renewing
 * fails (the lease was taken over, the cluster went away), the signal given to `fn` is aborted.
 *
 * @throws CapstanError naming the holder when the Lease stays held by another for `waitMs`
 */
export async function withLease<T>(
  cluster: ClusterClient,
  options: LeaseOptions,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const api = apiClient(cluster.config, CoordinationV1Api);
  const holder = options.holder ?? defaultHolder();
  const duration = options.durationSeconds ?? 30;
  let lease = await acquire(api, options, holder, duration);
  const lost = new AbortController();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let renewing: Promise<void> = Promise.resolve();
  // Each renewal is scheduled after the previous one ended, so a slow one never races the next.
  const schedule = () => {
    timer = setTimeout(
      () => {
        renewing = (async () => {
          try {
            lease = await write(api, options, holder, duration, lease, false);
            if (!stopped) schedule();
          } catch (err) {
            lost.abort(`the lease ${options.namespace}/${options.name} could not be renewed: ${reason(err)}`);
          }
        })();
      },
      (duration * 1000) / 3,
    );
  };
  schedule();
  try {
    return await fn(lost.signal);
  } finally {
    stopped = true;
    clearTimeout(timer);
    await renewing;
    if (!lost.signal.aborted) await release(api, options, lease).catch(() => undefined);
  }
}

/**
 * Who holds a Lease now: its holder while its last renewal is younger than its duration (by this
 * process's clock, so a skewed clock errs either way by the skew), else `undefined`. For deciding whether
 * to start something; {@link withLease} is what makes it exclusive.
 */
export async function leaseHolder(
  cluster: ClusterClient,
  name: string,
  namespace: string,
): Promise<string | undefined> {
  const api = apiClient(cluster.config, CoordinationV1Api);
  let lease: V1Lease;
  try {
    lease = await api.readNamespacedLease({ name, namespace });
  } catch (err) {
    if (err instanceof ApiException && err.code === 404) return undefined;
    throw leaseError({ name, namespace }, err);
  }
  const spec = lease.spec;
  const renewed = spec?.renewTime ?? spec?.acquireTime;
  if (!spec?.holderIdentity || !renewed) return undefined;
  const age = Date.now() - new Date(renewed).getTime();
  return age < (spec.leaseDurationSeconds ?? 30) * 1000 ? spec.holderIdentity : undefined;
}

async function acquire(
  api: CoordinationV1Api,
  options: LeaseOptions,
  holder: string,
  duration: number,
): Promise<V1Lease> {
  const deadline = Date.now() + (options.waitMs ?? 120_000);
  // When another holder's lease last changed, by this process's clock: expiry is judged on that, as
  // client-go does, so a clock skewed against the holder's never takes a live lease.
  let observed: { key: string; at: number } | undefined;
  for (;;) {
    let current: V1Lease | undefined;
    try {
      current = await api.readNamespacedLease({ name: options.name, namespace: options.namespace });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw leaseError(options, err);
    }
    const spec = current?.spec;
    const other = spec?.holderIdentity && spec.holderIdentity !== holder ? spec.holderIdentity : undefined;
    const renewed = spec?.renewTime ?? spec?.acquireTime;
    const key = `${spec?.holderIdentity}|${current?.metadata?.resourceVersion}`;
    if (observed?.key !== key) observed = { key, at: Date.now() };
    const expired = Date.now() - observed.at > (spec?.leaseDurationSeconds ?? duration) * 1000;
    if (!other || expired) {
      try {
        return await write(api, options, holder, duration, current, true);
      } catch (err) {
        // Another process took it between our read and write: look again.
        if (!(err instanceof ApiException && (err.code === 409 || err.code === 422)))
          throw leaseError(options, err);
        continue;
      }
    }
    if (Date.now() >= deadline) {
      throw new CapstanError(
        `the lease ${options.namespace}/${options.name} is held by ${other} (renewed ${renewed ? new Date(renewed).toISOString() : "never"}); gave up waiting after ${Math.round((options.waitMs ?? 120_000) / 1000)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
}

async function write(
  api: CoordinationV1Api,
  options: LeaseOptions,
  holder: string,
  duration: number,
  current: V1Lease | undefined,
  acquiring: boolean,
): Promise<V1Lease> {
  const now = new V1MicroTime();
  const takingOver = acquiring && current?.spec?.holderIdentity !== holder;
  const body: V1Lease = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: options.name,
      namespace: options.namespace,
      ...(current?.metadata?.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
    },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: duration,
      acquireTime: takingOver ? now : (current?.spec?.acquireTime ?? now),
      renewTime: now,
      leaseTransitions: (current?.spec?.leaseTransitions ?? 0) + (takingOver && current ? 1 : 0),
    },
  };
  return current
    ? api.replaceNamespacedLease({ name: options.name, namespace: options.namespace, body })
    : api.createNamespacedLease({ namespace: options.namespace, body });
}

// Hands the lease back at once instead of letting it expire, unless someone else holds it by now.
async function release(api: CoordinationV1Api, options: LeaseOptions, lease: V1Lease): Promise<void> {
  await api.replaceNamespacedLease({
    name: options.name,
    namespace: options.namespace,
    body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, renewTime: undefined } },
  });
}

function leaseError(options: Pick<LeaseOptions, "name" | "namespace">, err: unknown): CapstanError {
  return new CapstanError(`the lease ${options.namespace}/${options.name}: ${reason(err)}`);
}

function reason(err: unknown): string {
  if (err instanceof ApiException) {
    try {
      return (JSON.parse(String(err.body)) as { message?: string }).message ?? `HTTP ${err.code}`;
    } catch {
      return `HTTP ${err.code}`;
    }
  }
  return (err as Error)?.message ?? String(err);
}
