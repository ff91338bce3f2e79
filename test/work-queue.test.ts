import { describe, expect, it } from "vitest";
import { WorkQueue } from "../src/work-queue.js";

const silent = { info: () => {}, error: () => {} };
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("WorkQueue", () => {
  it("runs one job per key at a time and lets the newest waiting job supersede older ones", async () => {
    const queue = new WorkQueue(silent);
    const ran: string[] = [];
    let release!: () => void;
    queue.push(
      "pr#1",
      () =>
        new Promise<void>((resolve) => {
          ran.push("first");
          release = resolve;
        }),
    );
    await tick();
    for (const name of ["second", "third", "fourth"]) queue.push("pr#1", async () => ran.push(name));
    release();
    await queue.idle();
    expect(ran).toEqual(["first", "fourth"]);
  });

  it("runs different keys side by side, up to the concurrency", async () => {
    const queue = new WorkQueue(silent, 2);
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 6; i++) {
      queue.push(`pr#${i}`, async () => {
        peak = Math.max(peak, ++running);
        await tick();
        running--;
      });
    }
    await queue.idle();
    expect(peak).toBe(2);
  });

  it("logs a failing job and keeps going", async () => {
    const errors: object[] = [];
    const queue = new WorkQueue({ info: () => {}, error: (o) => errors.push(o) });
    queue.push("a", async () => {
      throw new Error("boom");
    });
    await tick();
    let after = false;
    queue.push("a", async () => {
      after = true;
    });
    await queue.idle();
    expect(errors).toHaveLength(1);
    expect(after).toBe(true);
  });

  it("starts a job only after the pushing code has finished its turn", async () => {
    const queue = new WorkQueue(silent);
    let started = false;
    queue.push("a", async () => {
      started = true;
    });
    expect(started).toBe(false);
    await queue.idle();
    expect(started).toBe(true);
  });
});
