// Runs periodic work (the reconciliation sweeps) on intervals with jitter. Each key's first run comes at
// a phase derived from a hash of the key, so a restarted server spreads its checks over the interval as
// before instead of running them all at once, and no schedule needs to be stored.
import { createHash } from "node:crypto";
import type { Log } from "./work-queue.js";

/** How far, as a fraction of the interval, each run may move from its nominal time (Flux uses 5 %). */
export const JITTER = 0.1;

/** Milliseconds from start to a key's first run: the same for the same key and interval. */
export function phaseOf(key: string, intervalMs: number): number {
  const hash = createHash("sha256").update(key).digest().readUIntBE(0, 6);
  return hash % intervalMs;
}

/** An interval moved by up to ± `fraction` of itself. */
export function jittered(intervalMs: number, fraction: number, random: () => number = Math.random): number {
  return Math.round(intervalMs * (1 + fraction * (2 * random() - 1)));
}

interface Entry {
  timer?: NodeJS.Timeout;
  running: boolean;
}

/**
 * Periodic tasks by key. A task that is still running when it comes due again is not started twice; its
 * next run is scheduled as usual. A failing task is logged and keeps its schedule.
 */
export class Scheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly intervals = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly log: Log,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Runs `task` every `intervalMs` (with jitter), first at the key's phase (or at once, with
   * `immediate`); replaces an earlier schedule of the key.
   */
  every(
    key: string,
    intervalMs: number,
    task: () => Promise<unknown>,
    options: { immediate?: boolean } = {},
  ): void {
    this.cancel(key);
    const entry: Entry = { running: false };
    this.entries.set(key, entry);
    const run = async () => {
      if (this.stopped || this.entries.get(key) !== entry) return;
      entry.timer = setTimeout(run, jittered(intervalMs, JITTER, this.random));
      entry.timer.unref?.();
      if (entry.running) {
        this.log.info({ key }, "still running from its last turn: this turn is skipped");
        return;
      }
      entry.running = true;
      try {
        await task();
      } catch (err) {
        this.log.error({ key, err }, "periodic task failed");
      } finally {
        entry.running = false;
      }
    };
    this.intervals.set(key, intervalMs);
    entry.timer = setTimeout(run, options.immediate ? 0 : phaseOf(key, intervalMs));
    entry.timer.unref?.();
  }

  /** Stops a key's schedule (a running task finishes). */
  cancel(key: string): void {
    clearTimeout(this.entries.get(key)?.timer);
    this.entries.delete(key);
    this.intervals.delete(key);
  }

  /** A key's interval, while it is scheduled. */
  intervalOf(key: string): number | undefined {
    return this.intervals.get(key);
  }

  /** The keys scheduled now. */
  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** Stops every schedule. */
  stop(): void {
    this.stopped = true;
    for (const key of [...this.entries.keys()]) this.cancel(key);
  }
}
