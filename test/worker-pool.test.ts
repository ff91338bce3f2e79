import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BudgetError, WorkerPool } from "../src/worker-pool.js";
import type { BudgetTask } from "./helpers/budget-worker.js";

// How long the renderer stand-in sleeps: an odd figure, so the test finds it by its command line.
const SLEEPER_SECONDS = "600.4271";
const ENTRY = new URL("./helpers/budget-worker.ts", import.meta.url);

function pool(options: { timeoutMs?: number; maxHeapMb?: number; size?: number } = {}) {
  return new WorkerPool<BudgetTask, string>(ENTRY, {
    size: options.size ?? 1,
    // Booting a worker from the TypeScript sources takes about a second of the budget.
    timeoutMs: options.timeoutMs ?? 20_000,
    maxHeapMb: options.maxHeapMb ?? 256,
    idleMs: 60_000,
    label: "the task",
  });
}

// The renderer stand-ins of budget-worker.ts that exist (running or not yet reaped).
function sleepers(): number[] {
  try {
    return execFileSync("pgrep", ["-f", `^sleep ${SLEEPER_SECONDS}$`], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

// A killed process group's leader is gone, or a zombie until its parent reaps it: either way not running.
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("WorkerPool", () => {
  it("runs tasks in a worker and keeps it for the next", async () => {
    const p = pool();
    expect(await p.run({ kind: "echo", value: "one" })).toBe("one");
    expect(await p.run({ kind: "echo", value: "two" })).toBe("two");
    await p.close();
  });

  it.each([
    ["time", { timeoutMs: 3000 }, { kind: "spin" }, "the task took longer than 3 s and was stopped"],
    [
      "memory",
      { maxHeapMb: 64 },
      { kind: "hoard" },
      "the task needed more than 64 MiB of memory and was stopped",
    ],
  ] as const)(
    "stops a task over its %s budget, and the next task runs in a new worker",
    async (_budget, options, task, message) => {
      const p = pool(options);
      const err = await p.run(task).catch((e: Error) => e);
      expect(err).toBeInstanceOf(BudgetError);
      expect((err as Error).message).toBe(message);
      expect(await p.run({ kind: "echo", value: "after" })).toBe("after");
      await p.close();
    },
  );

  it("kills the renderer processes a stopped worker started", async () => {
    const p = pool({ timeoutMs: 3000 });
    const run = p.run({ kind: "spawn-and-spin", seconds: SLEEPER_SECONDS });
    let started: number[] = [];
    while (started.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      started = sleepers();
    }
    expect(started.filter(running)).toHaveLength(1);
    await expect(run).rejects.toThrow("took longer than 3 s");
    // A signal is delivered when the kernel next schedules the process: give it a moment.
    for (let i = 0; i < 100 && started.some(running); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started.filter(running)).toEqual([]);
    await p.close();
  });

  it("fails a task whose code throws, with the message only, and keeps serving", async () => {
    const p = pool();
    await expect(p.run({ kind: "throw" })).rejects.toThrow(/^a defect in the task$/);
    expect(await p.run({ kind: "echo", value: "still" })).toBe("still");
    await p.close();
  });

  it("answers what a task asks through the function given with that task, and refuses without one", async () => {
    const p = pool();
    const answer = async (q: unknown) => {
      if (q === "bad") throw new Error("no such thing");
      return `${String(q)}!`;
    };
    expect(await p.run({ kind: "ask", questions: ["one", "bad", "two"] }, answer)).toBe(
      "one!, refused: no such thing, two!",
    );
    expect(await p.run({ kind: "ask", questions: ["one"] })).toBe(
      "refused: the task asked a question nobody answers",
    );
    await p.close();
  });

  it("runs at most `size` tasks at once and queues the rest in order", async () => {
    const p = pool({ size: 2, timeoutMs: 3000 });
    const spinning = [p.run({ kind: "spin" }), p.run({ kind: "spin" })].map((run) =>
      run.catch((e: Error) => e.message),
    );
    const queued = p.run({ kind: "echo", value: "third" });
    expect(await Promise.all(spinning)).toEqual([
      "the task took longer than 3 s and was stopped",
      "the task took longer than 3 s and was stopped",
    ]);
    expect(await queued).toBe("third");
    await p.close();
  });
});
