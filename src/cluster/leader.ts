// Leader election on a coordination.k8s.io Lease, as controller-runtime does it: every replica tries to
// take the Lease every retry period; the holder renews it, and gives up leadership when it could not
// renew within the renew deadline; a holder that stopped renewing loses it once the lease duration has
// passed (judged by the observer's own clock, from when it last saw the Lease change). There is no
// fencing: a paused leader may act after losing the Lease, so nothing Capstan does is correct only
// because of leadership. Per-environment Leases guard syncs; GitHub writes are idempotent.
import { ApiException, CoordinationV1Api, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import type { Log } from "../work-queue.js";
import { apiClient } from "./api-client.js";
import type { ClusterClient } from "./connect.js";

/** Where the Lease is and how it is timed. */
export interface LeaderOptions {
  name: string;
  namespace: string;
  /** This replica, as others read it. */
  identity: string;
  /** A holder that stopped renewing loses the Lease after this long (controller-runtime: 15 s). */
  leaseDurationMs: number;
  /** A leader that could not renew for this long stops leading (10 s). */
  renewDeadlineMs: number;
  /** How often to try to take or renew the Lease (2 s). */
  retryPeriodMs: number;
}

/** What leadership starts and stops. */
export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void | Promise<void>;
}

/** One replica's part in the election: start it once; stop it on shutdown (it releases the Lease). */
export class LeaderElection {
  private leading = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private lastRenew = 0;
  private observed?: { key: string; at: number };
  private current?: V1Lease;
  private readonly api: CoordinationV1Api;
  private running: Promise<void> = Promise.resolve();

  constructor(
    cluster: ClusterClient,
    private readonly options: LeaderOptions,
    private readonly callbacks: LeaderCallbacks,
    private readonly log: Log,
  ) {
    this.api = apiClient(cluster.config, CoordinationV1Api);
  }

  /** Whether this replica leads now. */
  isLeader(): boolean {
    return this.leading;
  }

  /** Starts trying to lead. */
  start(): void {
    this.tick();
  }

  /** Stops trying; a leader stops leading and hands the Lease back at once, so another takes over. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    if (!this.leading) return;
    await this.lose("this replica is stopping");
    const lease = this.current;
    if (lease?.spec?.holderIdentity !== this.options.identity) return;
    await this.api
      .replaceNamespacedLease({
        name: this.options.name,
        namespace: this.options.namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: undefined, leaseDurationSeconds: 1 } },
      })
      .catch(() => undefined);
  }

  private tick(): void {
    if (this.stopped) return;
    this.running = this.attempt().finally(() => {
      if (this.stopped) return;
      this.timer = setTimeout(() => this.tick(), this.options.retryPeriodMs);
      this.timer.unref?.();
    });
  }

  private async attempt(): Promise<void> {
    try {
      if (await this.tryAcquireOrRenew()) {
        this.lastRenew = Date.now();
        if (!this.leading) {
          this.leading = true;
          this.log.info({ identity: this.options.identity, lease: this.options.name }, "became the leader");
          this.callbacks.onStartedLeading();
        }
        return;
      }
      if (this.leading) await this.lose("another replica holds the Lease");
    } catch (err) {
      // A leader that cannot reach the cluster keeps leading until the renew deadline, then stops.
      if (this.leading && Date.now() - this.lastRenew > this.options.renewDeadlineMs)
        await this.lose(`the Lease could not be renewed: ${(err as Error).message}`);
    }
  }

  private async lose(reason: string): Promise<void> {
    this.leading = false;
    this.log.info({ identity: this.options.identity, reason }, "stopped leading");
    await this.callbacks.onStoppedLeading();
  }

  // True when this replica holds the Lease after this attempt.
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity } = this.options;
    let lease: V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!(err instanceof ApiException && err.code === 404)) throw err;
    }
    const now = new V1MicroTime();
    const durationSeconds = Math.max(1, Math.round(this.options.leaseDurationMs / 1000));
    if (!lease) {
      this.current = await this.api.createNamespacedLease({
        namespace,
        body: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        },
      });
      return true;
    }
    const spec = lease.spec ?? {};
    const key = `${spec.holderIdentity}|${lease.metadata?.resourceVersion}`;
    if (this.observed?.key !== key) this.observed = { key, at: Date.now() };
    const ours = spec.holderIdentity === identity;
    const expired =
      !spec.holderIdentity ||
      Date.now() - this.observed.at > (spec.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (!ours && !expired) {
      this.current = lease;
      return false;
    }
    try {
      // The resourceVersion read makes this a compare-and-swap: of two takers, one wins.
      this.current = await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: ours ? (spec.acquireTime ?? now) : now,
            renewTime: now,
            leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
          },
        },
      });
      return true;
    } catch (err) {
      if (err instanceof ApiException && err.code === 409) return false;
      throw err;
    }
  }
}
