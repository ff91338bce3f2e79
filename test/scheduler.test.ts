import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jittered, phaseOf, Scheduler } from "../src/scheduler.js";

const quiet = { info: () => {}, error: () => {} };
const MINUTE = 60_000;

describe("the scheduler", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("gives each key a phase of its own within the interval, the same after a restart", () => {
    const phases = ["acme/shop:production", "acme/shop:staging", "acme/blog:production"].map((k) =>
      phaseOf(k, 10 * MINUTE),
    );
    for (const p of phases) expect(p).toBeGreaterThanOrEqual(0);
    for (const p of phases) expect(p).toBeLessThan(10 * MINUTE);
    expect(new Set(phases).size).toBe(3);
    expect(phaseOf("acme/shop:production", 10 * MINUTE)).toBe(phases[0]);
  });

  it.each([
    [0, 9 * MINUTE],
    [0.5, 10 * MINUTE],
    [1, 11 * MINUTE],
  ])("moves each interval by at most a tenth (random %s → %s ms)", (r, ms) => {
    expect(jittered(10 * MINUTE, 0.1, () => r)).toBe(ms);
  });

  it("runs a task first at its phase, then every interval", async () => {
    const runs: number[] = [];
    const scheduler = new Scheduler(quiet, () => 0.5);
    const start = Date.now();
    scheduler.every("k", 10 * MINUTE, async () => void runs.push(Date.now() - start));
    await vi.advanceTimersByTimeAsync(phaseOf("k", 10 * MINUTE) + 20 * MINUTE + 1);
    expect(runs).toEqual([0, 10 * MINUTE, 20 * MINUTE].map((t) => t + phaseOf("k", 10 * MINUTE)));
    scheduler.stop();
  });

  it("never starts a task while its last run is still going, and keeps a failing task's schedule", async () => {
    let started = 0;
    let release!: () => void;
    const scheduler = new Scheduler(quiet, () => 0.5);
    scheduler.every("slow", MINUTE, async () => {
      started++;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    let failures = 0;
    scheduler.every("failing", MINUTE, async () => {
      failures++;
      throw new Error("cluster unreachable");
    });
    await vi.advanceTimersByTimeAsync(4 * MINUTE);
    expect(started).toBe(1);
    expect(failures).toBeGreaterThanOrEqual(3);
    release();
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(started).toBe(2);
    scheduler.stop();
  });

  it("stops a cancelled key and every key on stop", async () => {
    let runs = 0;
    const scheduler = new Scheduler(quiet);
    scheduler.every("a", MINUTE, async () => void runs++);
    scheduler.cancel("a");
    scheduler.every("b", MINUTE, async () => void runs++);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(10 * MINUTE);
    expect(runs).toBe(0);
    expect(scheduler.keys()).toEqual([]);
  });
});
