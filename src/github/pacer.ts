import { errorMessage } from "../errors.js";

/** Options for {@link Pacer}. */
export interface PacerOptions {
  /** Least time between two writes. GitHub allows 80 content-creating requests a minute. */
  spacingMs: number;
  /** Most writes in any hour; GitHub allows 500 content-creating requests an hour. */
  perHour: number;
  /**
   * Of `perHour`, how many only deploy writes may use: previews (which anyone can ask for with a comment
   * on a public repository) stop short of them, so a flood of previews never holds up a deploy or revert.
   */
  reservedForDeploys?: number;
  /** How often a write refused by a rate limit is tried again. */
  retries: number;
  /** Wait used when GitHub says nothing about when to come back (it asks for at least a minute). */
  fallbackWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  /**
   * A budget shared with the other replicas (see `RedisBudget`): every write also takes a slot of it, so
   * the fleet as a whole keeps the spacing and the hourly budget per installation.
   */
  shared?: SharedBudget;
}

/**
 * The spacing and hourly budget of one installation's writes, kept outside the process. `take` reserves
 * a slot for a write of this priority and returns 0, or returns how long to wait before asking again.
 */
export interface SharedBudget {
  take(priority: WritePriority): Promise<number>;
}

/** Defaults for {@link PacerOptions}: a write a second, 480 an hour of which 120 are kept for deploys. */
export function defaultPacerOptions(): PacerOptions {
  return {
    spacingMs: 1000,
    perHour: 480,
    reservedForDeploys: 120,
    retries: 3,
    fallbackWaitMs: 60_000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/**
 * What a write is for. Deploy writes (Deployments and their statuses, the deploy comment, reverts, drift)
 * go ahead of every queued preview write (comments, check runs, reactions, replies).
 */
export type WritePriority = "deploy" | "preview";

interface HttpError {
  status?: number;
  response?: { headers?: Record<string, string | undefined> };
}

interface Job {
  send: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  /** Times GitHub refused it for a rate limit so far. */
  refusals: number;
}

/**
 * Sends writes to GitHub one at a time, spaced out, as its secondary rate limits ask (Probot's throttling
 * plugin only logs those). Deploy writes go first and have a share of the hourly budget that previews
 * cannot use; a preview waiting for its budget gives way as soon as a deploy write arrives. A write
 * refused with 403 or 429 for a rate limit waits for `retry-after`, or until `x-ratelimit-reset` when no
 * requests remain, or a minute, then goes again.
 */
export class Pacer {
  private readonly queues: Record<WritePriority, Job[]> = { deploy: [], preview: [] };
  private pumping = false;
  private wake: (() => void) | undefined;
  private last = 0;
  private readonly recent: number[] = [];

  constructor(private readonly options: PacerOptions = defaultPacerOptions()) {}

  /** Runs a write after the queued writes of its priority, and after every queued deploy write. */
  write<T>(send: () => Promise<T>, priority: WritePriority = "preview"): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queues[priority].push({ send, resolve: resolve as (value: unknown) => void, reject, refusals: 0 });
      if (priority === "deploy") this.wake?.();
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const priority: WritePriority | undefined =
          this.queues.deploy.length > 0 ? "deploy" : this.queues.preview.length > 0 ? "preview" : undefined;
        if (!priority) return;
        const wait = this.waitFor(priority);
        if (wait > 0 && (await this.sleep(wait, priority))) continue; // a deploy write arrived
        // The fleet's budget, after this process's own: asked again after each wait, since another
        // replica may take the slot meanwhile.
        const shared = (await this.options.shared?.take(priority)) ?? 0;
        if (shared > 0) {
          await this.sleep(shared, priority);
          continue;
        }
        const job = this.queues[priority].shift()!;
        this.last = Date.now();
        this.recent.push(this.last);
        try {
          job.resolve(await job.send());
        } catch (err) {
          const backoff = rateLimitWait(err as HttpError, this.options.fallbackWaitMs);
          if (backoff === undefined || job.refusals >= this.options.retries) {
            job.reject(err);
            continue;
          }
          job.refusals++;
          // The limit is the installation's, so every write waits it out; then the queues are read again
          // and a deploy write that arrived meanwhile goes before this write's next try.
          await this.options.sleep(backoff);
          this.queues[priority].unshift(job);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  // How long a write of this priority must wait: the spacing, and its share of the hourly budget.
  private waitFor(priority: WritePriority): number {
    const hourAgo = Date.now() - 3_600_000;
    while (this.recent.length > 0 && this.recent[0]! <= hourAgo) this.recent.shift();
    const limit = limitFor(this.options, priority);
    const untilBudget = this.recent.length >= limit ? this.recent[this.recent.length - limit]! - hourAgo : 0;
    return Math.max(this.last + this.options.spacingMs - Date.now(), untilBudget);
  }

  // Sleeps; a preview's sleep ends early when a deploy write arrives (true then).
  private async sleep(ms: number, priority: WritePriority): Promise<boolean> {
    if (priority === "deploy") {
      await this.options.sleep(ms);
      return false;
    }
    let woken = false;
    const arrived = new Promise<void>((resolve) => {
      this.wake = () => {
        woken = true;
        resolve();
      };
    });
    await Promise.race([this.options.sleep(ms), arrived]);
    this.wake = undefined;
    return woken;
  }
}

/** How many writes of this priority an hour may hold: previews stop short of the deploys' reserve. */
export function limitFor(
  options: Pick<PacerOptions, "perHour" | "reservedForDeploys">,
  priority: WritePriority,
): number {
  return priority === "deploy"
    ? options.perHour
    : Math.max(1, options.perHour - (options.reservedForDeploys ?? 0));
}

/** How long to wait before retrying a rate-limited request, or `undefined` when it was not rate-limited. */
export function rateLimitWait(err: HttpError, fallbackMs: number): number | undefined {
  if (err.status !== 403 && err.status !== 429) return undefined;
  const headers = err.response?.headers ?? {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return retryAfter * 1000;
  if (headers["x-ratelimit-remaining"] === "0" && headers["x-ratelimit-reset"]) {
    return Math.max(0, Number(headers["x-ratelimit-reset"]) * 1000 - Date.now()) + 1000;
  }
  // A 403 without rate-limit headers is a permission problem, not a limit: do not retry it.
  if (err.status === 403 && !/rate limit/i.test(errorMessage(err))) return undefined;
  return fallbackMs;
}

/** A write for a deploy (a Deployment, its status, the deploy comment, a revert): ahead of previews. */
export function deployWrite<T>(pacer: Pacer, send: () => Promise<T>): Promise<T> {
  return pacer.write(send, "deploy");
}
