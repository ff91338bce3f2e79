// Which replica runs the sweeps. With `leaderElection` in the server config, the holder of that Lease in
// Capstan's own namespace; without it (one replica, or Capstan on a laptop), the process itself.
import { defaultHolder } from "./cluster/index.js";
import { type LeaderCallbacks, LeaderElection } from "./cluster/leader.js";
import { parseDuration } from "./config/index.js";
import type { AppDeps } from "./handlers/deps.js";
import { metrics } from "./metrics.js";
import type { Log } from "./work-queue.js";

/** Leadership as the app sees it: started once, stopped on shutdown (a leader hands its Lease back). */
export interface Leadership {
  start(): void;
  stop(): Promise<void>;
}

/** This replica's leadership, calling `callbacks` as it gains and loses it, and keeping `capstan_leader`. */
export function leadership(deps: AppDeps, log: Log, callbacks: LeaderCallbacks): Leadership {
  const measured: LeaderCallbacks = {
    onStartedLeading: () => {
      metrics.leader.set(1);
      callbacks.onStartedLeading();
    },
    onStoppedLeading: async () => {
      metrics.leader.set(0);
      await callbacks.onStoppedLeading();
    },
  };
  const settings = deps.server?.leaderElection;
  if (!settings) {
    let leading = false;
    return {
      start: () => {
        leading = true;
        measured.onStartedLeading();
      },
      stop: async () => {
        if (leading) await measured.onStoppedLeading();
        leading = false;
      },
    };
  }
  metrics.leader.set(0);
  const election = new LeaderElection(
    deps.clusterFor(settings.cluster),
    {
      name: settings.name,
      namespace: settings.namespace,
      identity: defaultHolder(),
      leaseDurationMs: parseDuration(settings.leaseDuration),
      renewDeadlineMs: parseDuration(settings.renewDeadline),
      retryPeriodMs: parseDuration(settings.retryPeriod),
    },
    measured,
    log,
  );
  return { start: () => election.start(), stop: () => election.stop() };
}
