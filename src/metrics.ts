// What Capstan tells Prometheus, in the style of controller-runtime and Argo CD: counters end in
// `_total`, durations are histograms in seconds, queues report depth and wait. Label values are bounded:
// event names, queue names, renderers, results, and at most a repository and an environment, never a
// pull request, a commit, an object or anything from a Secret.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** The registry `/metrics` serves: Capstan's metrics and the Node process's own. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

// From 10 ms to 20 min: a render takes milliseconds, a health wait minutes.
const SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200];

const counter = (name: string, help: string, labelNames: readonly string[] = []) =>
  new Counter({ name, help, labelNames: [...labelNames], registers: [registry] });
const gauge = (name: string, help: string, labelNames: readonly string[] = []) =>
  new Gauge({ name, help, labelNames: [...labelNames], registers: [registry] });
const histogram = (name: string, help: string, labelNames: readonly string[] = []) =>
  new Histogram({ name, help, labelNames: [...labelNames], buckets: SECONDS, registers: [registry] });

/** Every metric Capstan exports (documented in the README's "Run it in production"). */
export const metrics = {
  webhooks: counter(
    "capstan_webhooks_received_total",
    "Webhooks received, by event and outcome (accepted, duplicate, failed).",
    ["event", "outcome"],
  ),
  queueDepth: gauge("capstan_workqueue_depth", "Jobs waiting or running, by queue.", ["queue"]),
  queueWait: histogram(
    "capstan_workqueue_queue_duration_seconds",
    "How long a job waited before it started, by queue.",
    ["queue"],
  ),
  jobsFailed: counter(
    "capstan_workqueue_jobs_failed_total",
    "Jobs that ended in an unexpected error, by queue.",
    ["queue"],
  ),
  previews: histogram(
    "capstan_preview_duration_seconds",
    "One pull request preview, from start to published, by outcome.",
    ["outcome"],
  ),
  renders: histogram(
    "capstan_render_duration_seconds",
    "One render of one side of one environment, by renderer.",
    ["renderer"],
  ),
  syncs: histogram("capstan_sync_duration_seconds", "One environment's deploy: sync and health wait."),
  healthWaits: histogram("capstan_health_wait_duration_seconds", "One health wait after a sync."),
  applied: counter(
    "capstan_objects_applied_total",
    "Objects applied, by repository, environment and action (created, configured, unchanged).",
    ["repository", "environment", "action"],
  ),
  pruned: counter("capstan_objects_pruned_total", "Objects pruned, by repository and environment.", [
    "repository",
    "environment",
  ]),
  deployments: counter(
    "capstan_deployments_total",
    "Deployments (deploys and heals) ended, by repository, environment and result.",
    ["repository", "environment", "result"],
  ),
  reverts: counter("capstan_revert_prs_opened_total", "Revert pull requests opened, by repository.", [
    "repository",
  ]),
  drifted: gauge("capstan_drift_drifted", "1 while an environment's drift is confirmed, else 0.", [
    "repository",
    "environment",
  ]),
  behind: gauge(
    "capstan_environment_behind",
    "1 while an environment's synced revision is not its branch head, else 0.",
    ["repository", "environment"],
  ),
  driftChecked: gauge(
    "capstan_drift_last_check_timestamp_seconds",
    "When an environment was last checked for drift (Unix time).",
    ["repository", "environment"],
  ),
  github: counter("capstan_github_requests_total", "Requests to GitHub's API, by method and status.", [
    "method",
    "status",
  ]),
  rateLimit: gauge(
    "capstan_github_rate_limit_remaining",
    "GitHub's x-ratelimit-remaining on the last answer, by rate-limit resource.",
    ["resource"],
  ),
  leader: gauge("capstan_leader", "1 while this replica holds the leader Lease (runs the sweeps), else 0."),
};

/** Times `fn` into a histogram (with labels), whether it resolves or throws. */
export async function timed<T>(observe: (seconds: number) => void, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    observe((performance.now() - started) / 1000);
  }
}
