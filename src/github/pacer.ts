import { errorMessage } from "../errors.js";

/** Options for {@link Pacer}. */
export interface PacerOptions {
  /** Least time between two writes. GitHub allows 80 content-creating requests a minute. */
  spacingMs: number;
  /** Most writes in any hour; GitHub allows 500 content-creating requests an hour. */
  perHour: number;
  /** How often a write refused by a rate limit is tried again. */
  retries: number;
  /** Wait used when GitHub says nothing about when to come back (it asks for at least a minute). */
  fallbackWaitMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** Defaults for {@link PacerOptions}. */
export function defaultPacerOptions(): PacerOptions {
  return {
    spacingMs: 1000,
    perHour: 480,
    retries: 3,
    fallbackWaitMs: 60_000,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

interface HttpError {
  status?: number;
  response?: { headers?: Record<string, string | undefined> };
}

/**
 * Sends writes to GitHub one at a time, spaced out, as its secondary rate limits ask (Probot's throttling
 * plugin only logs those). A write refused with 403 or 429 for a rate limit waits for `retry-after`, or
 * until `x-ratelimit-reset` when no requests remain, or a minute, then goes again.
 */
export class Pacer {
  private tail: Promise<unknown> = Promise.resolve();
  private last = 0;
  private readonly recent: number[] = [];

  constructor(private readonly options: PacerOptions = defaultPacerOptions()) {}

  /** Runs a write after the ones queued before it. */
  write<T>(send: () => Promise<T>): Promise<T> {
    const run = this.tail.then(
      () => this.send(send),
      () => this.send(send),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async send<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const hourAgo = Date.now() - 3_600_000;
      while (this.recent.length > 0 && this.recent[0]! <= hourAgo) this.recent.shift();
      const untilBudget = this.recent.length >= this.options.perHour ? this.recent[0]! - hourAgo : 0;
      const wait = Math.max(this.last + this.options.spacingMs - Date.now(), untilBudget);
      if (wait > 0) await this.options.sleep(wait);
      this.last = Date.now();
      this.recent.push(this.last);
      try {
        return await send();
      } catch (err) {
        const backoff = rateLimitWait(err as HttpError, this.options.fallbackWaitMs);
        if (backoff === undefined || attempt >= this.options.retries) throw err;
        await this.options.sleep(backoff);
      }
    }
  }
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
