import { describe, expect, it } from "vitest";
import { Pacer, rateLimitWait } from "../../src/github/pacer.js";

describe("Pacer", () => {
  it("sends writes one at a time, spaced out", async () => {
    const slept: number[] = [];
    const pacer = new Pacer({
      spacingMs: 1000,
      perHour: 480,
      retries: 3,
      fallbackWaitMs: 60_000,
      sleep: async (ms) => void slept.push(ms),
    });
    let inFlight = 0;
    let peak = 0;
    const write = () =>
      pacer.write(async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 2));
        inFlight--;
      });
    await Promise.all([write(), write(), write()]);
    expect(peak).toBe(1);
    expect(slept).toHaveLength(2);
    for (const ms of slept) expect(ms).toBeGreaterThan(900);
  });

  it("sends a deploy write ahead of every queued preview write", async () => {
    const pacer = new Pacer({
      spacingMs: 0,
      perHour: 480,
      retries: 0,
      fallbackWaitMs: 0,
      sleep: async () => {},
    });
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const first = pacer.write(async () => {
      await gate;
      order.push("preview 1");
    });
    const queued = [2, 3, 4].map((n) => pacer.write(async () => void order.push(`preview ${n}`)));
    const deploy = pacer.write(async () => void order.push("deploy"), "deploy");
    release();
    await Promise.all([first, ...queued, deploy]);
    expect(order).toEqual(["preview 1", "deploy", "preview 2", "preview 3", "preview 4"]);
  });

  it("keeps a share of the hourly budget that previews cannot spend, and wakes for a deploy write", async () => {
    let wakeUp!: () => void;
    const slept: number[] = [];
    const pacer = new Pacer({
      spacingMs: 0,
      perHour: 4,
      reservedForDeploys: 2,
      retries: 0,
      fallbackWaitMs: 0,
      // A budget wait never ends by itself here: only a deploy write can let the pacer go on.
      sleep: (ms) => {
        slept.push(ms);
        return new Promise<void>((resolve) => {
          wakeUp = resolve;
        });
      },
    });
    const sent: string[] = [];
    const previews = [1, 2, 3].map((n) => pacer.write(async () => void sent.push(`preview ${n}`)));
    await new Promise((r) => setTimeout(r, 10));
    // Two previews spent the previews' share; the third waits for about an hour.
    expect(sent).toEqual(["preview 1", "preview 2"]);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(3_500_000);
    await pacer.write(async () => void sent.push("deploy 1"), "deploy");
    await pacer.write(async () => void sent.push("deploy 2"), "deploy");
    expect(sent).toEqual(["preview 1", "preview 2", "deploy 1", "deploy 2"]);
    wakeUp();
    void previews;
  });

  it("waits for the hourly budget once it is spent", async () => {
    const slept: number[] = [];
    const pacer = new Pacer({
      spacingMs: 0,
      perHour: 2,
      retries: 0,
      fallbackWaitMs: 60_000,
      sleep: async (ms) => void slept.push(ms),
    });
    for (let i = 0; i < 3; i++) await pacer.write(async () => i);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(3_500_000);
  });

  it("retries a write refused by a rate limit after the wait GitHub asks for, then gives up", async () => {
    const slept: number[] = [];
    const pacer = new Pacer({
      spacingMs: 0,
      perHour: 480,
      retries: 2,
      fallbackWaitMs: 60_000,
      sleep: async (ms) => void slept.push(ms),
    });
    let calls = 0;
    const limited = Object.assign(new Error("You have exceeded a secondary rate limit"), {
      status: 403,
      response: { headers: { "retry-after": "7" } },
    });
    await expect(
      pacer.write(async () => {
        calls++;
        throw limited;
      }),
    ).rejects.toBe(limited);
    expect(calls).toBe(3);
    expect(slept).toEqual([7000, 7000]);
  });

  it("sends a deploy write that arrived while a preview write waited out a rate limit before its retry", async () => {
    const order: string[] = [];
    let deploy: Promise<unknown> | undefined;
    const pacer: Pacer = new Pacer({
      spacingMs: 0,
      perHour: 480,
      retries: 1,
      fallbackWaitMs: 60_000,
      // The deploy is queued during the preview's wait.
      sleep: async () => {
        deploy = pacer.write(async () => void order.push("deploy"), "deploy");
      },
    });
    let tries = 0;
    await pacer.write(async () => {
      order.push(`preview, try ${++tries}`);
      if (tries === 1)
        throw Object.assign(new Error("secondary rate limit"), {
          status: 429,
          response: { headers: { "retry-after": "3" } },
        });
    });
    await deploy;
    expect(order).toEqual(["preview, try 1", "deploy", "preview, try 2"]);
  });
});

describe("rateLimitWait", () => {
  it.each<[string, object, number | undefined]>([
    ["retry-after", { status: 429, response: { headers: { "retry-after": "30" } } }, 30_000],
    [
      "a 403 that is a secondary limit, without headers",
      Object.assign(new Error("secondary rate limit"), { status: 403 }),
      60_000,
    ],
    [
      "a 403 that is a permission problem",
      Object.assign(new Error("Resource not accessible by integration"), { status: 403 }),
      undefined,
    ],
    ["a 422", { status: 422 }, undefined],
  ])("%s", (_name, err, wait) => expect(rateLimitWait(err, 60_000)).toBe(wait));

  it("waits until x-ratelimit-reset when no requests remain", () => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    const wait = rateLimitWait(
      {
        status: 403,
        response: { headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) } },
      },
      60_000,
    )!;
    expect(wait).toBeGreaterThan(115_000);
    expect(wait).toBeLessThan(125_000);
  });
});
