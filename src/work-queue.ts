import { metrics } from "./metrics.js";

/** Something to log to; Probot's pino logger fits. */
export interface Log {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A log whose every line also carries `fields` (the repository and environment a job is for). */
export function withFields(log: Log, fields: Record<string, unknown>): Log {
  return {
    info: (obj, msg) => log.info({ ...fields, ...obj }, msg),
    error: (obj, msg) => log.error({ ...fields, ...obj }, msg),
  };
}

type Job = () => Promise<unknown>;

/**
 * Runs webhook work after the webhook is acknowledged.
 * - One job at a time per key (a pull request, an environment). A job pushed while its key is busy
 *   waits, and replaces any job of that key already waiting: the newest push supersedes older ones.
 * - At most `concurrency` jobs at once overall, so rendering never starves the webhook endpoint of the
 *   2 cores; keys wait their turn in arrival order.
 * - A job starts on a later turn of the event loop, after the webhook's answer has gone out.
 * - A failing job is logged and never stops the queue.
 */
export class WorkQueue {
  private readonly running = new Map<string, Promise<void>>();
  private readonly waiting = new Map<string, { job: Job; queued: number }>();

  constructor(
    private readonly log: Log,
    private readonly concurrency = 4,
    /** The queue's name in the metrics. */
    private readonly name = "work",
  ) {}

  /** Queues a job for a key. */
  push(key: string, job: Job): void {
    if (this.waiting.has(key)) this.log.info({ key }, "superseded a queued job");
    // Re-inserting moves the key to the back: arrival order of the newest job.
    // A superseded job's wait counts from the first push: that is how long the key has waited.
    const queued = this.waiting.get(key)?.queued ?? performance.now();
    this.waiting.delete(key);
    this.waiting.set(key, { job, queued });
    this.measure();
    setImmediate(() => this.pump());
  }

  /** Whether a job of this key runs or waits (a sweep does not queue what is already on its way). */
  busy(key: string): boolean {
    return this.running.has(key) || this.waiting.has(key);
  }

  private pump(): void {
    for (const [key, { job, queued }] of this.waiting) {
      if (this.running.size >= this.concurrency) return;
      if (this.running.has(key)) continue;
      this.waiting.delete(key);
      metrics.queueWait.observe({ queue: this.name }, (performance.now() - queued) / 1000);
      const run = (async () => {
        try {
          await job();
        } catch (err) {
          metrics.jobsFailed.inc({ queue: this.name });
          this.log.error({ key, err }, "job failed");
        }
      })().finally(() => {
        this.running.delete(key);
        this.measure();
        this.pump();
      });
      this.running.set(key, run);
    }
  }

  private measure(): void {
    metrics.queueDepth.set({ queue: this.name }, this.running.size + this.waiting.size);
  }

  /** Resolves when no job runs or waits (for tests and a graceful shutdown). */
  async idle(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.running.size > 0 || this.waiting.size > 0) {
      await Promise.all([...this.running.values()]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
