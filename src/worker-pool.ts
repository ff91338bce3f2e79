// Runs CPU-heavy pure work (parsing, diffing and checking what a pull request renders) in worker threads,
// so the thread that answers webhooks and /ping never waits on it, and so each task has a hard time and
// memory budget: a worker over budget is terminated whole, with the renderer processes it started.
import { availableParallelism, setPriority } from "node:os";
import { parentPort, Worker } from "node:worker_threads";
import { CapstanError } from "./errors.js";

/** Bounds on a pool's workers. */
export interface WorkerPoolOptions {
  /** How many tasks run at once, one per worker thread. */
  size: number;
  /** Wall-clock budget of one task; a task past it is stopped and its worker replaced. */
  timeoutMs: number;
  /** Heap budget of one worker (V8's old generation), in MiB; a worker past it is replaced. */
  maxHeapMb: number;
  /** How long a worker is kept without work before it is stopped (its memory returned). */
  idleMs: number;
  /** What a task is, for messages: "the preview". */
  label: string;
}

/** Defaults for {@link WorkerPoolOptions}: one worker per core but one, at least one and at most four. */
export function defaultWorkerPoolOptions(label: string): WorkerPoolOptions {
  return {
    size: Math.max(1, Math.min(4, availableParallelism() - 1)),
    timeoutMs: 5 * 60_000,
    maxHeapMb: 1024,
    idleMs: 60_000,
    label,
  };
}

/** How much lower than the server's thread workers run (a nice value, 0 to 19). */
export const WORKER_NICENESS = 10;

/** A task stopped for going over its time or memory budget. */
export class BudgetError extends CapstanError {
  override name = "BudgetError";
}

type ToWorker<I> =
  | { type: "task"; id: number; input: I }
  | { type: "answer"; rid: number; value?: unknown; error?: string };
type FromWorker<O> =
  | { type: "result"; id: number; value: O }
  | { type: "failure"; id: number; message: string }
  | { type: "child"; pid: number; running: boolean }
  | { type: "request"; id: number; rid: number; request: unknown };

/**
 * What the thread that started a task answers when the task asks (see {@link TaskAsk}): work a worker
 * must not do itself, such as reading a cluster with the server's credentials.
 */
export type TaskAnswer = (request: unknown) => Promise<unknown>;

/** How a task asks the thread that started it; rejects when that thread gave no way to answer. */
export type TaskAsk = (request: unknown) => Promise<unknown>;

interface Pending<I, O> {
  input: I;
  answer?: TaskAnswer;
  resolve(value: O): void;
  reject(err: Error): void;
}

interface Slot<I, O> {
  worker: Worker;
  /** Renderer process groups the worker has running. */
  children: Set<number>;
  task?: Pending<I, O> & { id: number; timer: NodeJS.Timeout };
  idleTimer?: NodeJS.Timeout;
}

/**
 * A fixed number of worker threads running one module's task function (see {@link serveTasks}). Tasks
 * wait in arrival order for a free worker. Workers are kept between tasks (their module caches and
 * compiled schemas stay warm) and replaced after one is stopped.
 */
export class WorkerPool<I, O> {
  private readonly idle: Slot<I, O>[] = [];
  private readonly busy = new Set<Slot<I, O>>();
  private readonly queue: Pending<I, O>[] = [];
  private nextId = 1;
  private closed = false;

  /** @param entry the worker module, which calls {@link serveTasks} */
  constructor(
    private readonly entry: URL,
    readonly options: WorkerPoolOptions,
  ) {}

  /**
   * Runs a task in a worker; `answer` serves what the task asks while it runs (its time budget includes
   * the answers).
   *
   * @throws BudgetError when the task ran out of time or memory, or its worker died
   */
  run(input: I, answer?: TaskAnswer): Promise<O> {
    if (this.closed) return Promise.reject(new Error("the worker pool is closed"));
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, answer, resolve, reject });
      this.pump();
    });
  }

  /** Stops every worker; running tasks fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(new Error("the worker pool is closed"));
    await Promise.all([...this.idle.splice(0), ...this.busy].map((slot) => this.stop(slot)));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.busy.size < this.options.size) {
      const pending = this.queue.shift()!;
      const slot = this.idle.pop() ?? this.spawn();
      clearTimeout(slot.idleTimer);
      const id = this.nextId++;
      const timer = setTimeout(
        () =>
          this.fail(
            slot,
            new BudgetError(
              `${this.options.label} took longer than ${seconds(this.options.timeoutMs)} and was stopped`,
            ),
          ),
        this.options.timeoutMs,
      );
      slot.task = { ...pending, id, timer };
      this.busy.add(slot);
      slot.worker.ref();
      slot.worker.postMessage({ type: "task", id, input: pending.input } satisfies ToWorker<I>);
    }
  }

  private spawn(): Slot<I, O> {
    const worker = startWorker(this.entry, this.options.maxHeapMb);
    const slot: Slot<I, O> = { worker, children: new Set() };
    worker.on("message", (message: FromWorker<O>) => {
      if (message.type === "child") {
        if (message.running) slot.children.add(message.pid);
        else slot.children.delete(message.pid);
        return;
      }
      const task = slot.task;
      if (!task || task.id !== message.id) return;
      if (message.type === "request") {
        void this.answer(slot, task, message.rid, message.request);
        return;
      }
      clearTimeout(task.timer);
      slot.task = undefined;
      this.busy.delete(slot);
      if (this.closed) void this.stop(slot);
      else {
        worker.unref();
        slot.idleTimer = setTimeout(() => this.retire(slot), this.options.idleMs).unref();
        this.idle.push(slot);
      }
      if (message.type === "result") task.resolve(message.value);
      else task.reject(new Error(message.message));
      this.pump();
    });
    worker.on("error", (err: Error & { code?: string }) => {
      const budget =
        err.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? `${this.options.label} needed more than ${this.options.maxHeapMb} MiB of memory and was stopped`
          : `${this.options.label} stopped unexpectedly (${err.name})`;
      this.fail(slot, new BudgetError(budget));
    });
    worker.on("exit", () => this.fail(slot, new BudgetError(`${this.options.label} stopped unexpectedly`)));
    return slot;
  }

  // A stale answer (the task ended or was stopped meanwhile) is dropped: the worker has moved on.
  private async answer(
    slot: Slot<I, O>,
    task: Pending<I, O> & { id: number },
    rid: number,
    request: unknown,
  ) {
    let reply: ToWorker<I>;
    try {
      if (!task.answer) throw new Error(`${this.options.label} asked a question nobody answers`);
      reply = { type: "answer", rid, value: await task.answer(request) };
    } catch (err) {
      reply = { type: "answer", rid, error: String((err as Error)?.message ?? err) };
    }
    if (slot.task?.id === task.id) slot.worker.postMessage(reply);
  }

  private retire(slot: Slot<I, O>): void {
    const at = this.idle.indexOf(slot);
    if (at < 0) return;
    this.idle.splice(at, 1);
    void this.stop(slot);
  }

  // Takes a worker out of service, failing its task: the first reason given wins.
  private fail(slot: Slot<I, O>, err: Error): void {
    const task = slot.task;
    slot.task = undefined;
    const wasIdle = this.idle.indexOf(slot);
    if (wasIdle >= 0) this.idle.splice(wasIdle, 1);
    const known = this.busy.delete(slot) || wasIdle >= 0;
    if (task) {
      clearTimeout(task.timer);
      task.reject(err);
    }
    if (known) void this.stop(slot);
    this.pump();
  }

  private async stop(slot: Slot<I, O>): Promise<void> {
    clearTimeout(slot.idleTimer);
    slot.worker.removeAllListeners("exit");
    for (const pid of slot.children) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    slot.children.clear();
    await slot.worker.terminate();
  }
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

function startWorker(entry: URL, maxHeapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb };
  if (entry.pathname.endsWith(".ts")) {
    // The tests run the TypeScript sources: tsx (a dev dependency) compiles the worker's modules too.
    const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
    return new Worker(boot, { eval: true, resourceLimits });
  }
  return new Worker(entry, { resourceLimits });
}

/**
 * The worker side of a {@link WorkerPool}: runs `task` on each input the pool sends, with a way to ask
 * the thread that started it. The returned function reports a renderer process group starting or
 * ending, so the pool can kill what a stopped worker left running.
 */
export function serveTasks<I, O>(
  task: (input: I, ask: TaskAsk) => Promise<O>,
): (pid: number, running: boolean) => void {
  const port = parentPort;
  if (!port) throw new Error("serveTasks runs in a worker thread");
  // On Linux a nice value belongs to a thread: this lowers the worker (and the renderers it starts, which
  // inherit it) below the thread that answers webhooks, so on a busy machine that thread gets the CPU first.
  try {
    setPriority(0, WORKER_NICENESS);
  } catch {
    // a platform or sandbox that does not allow it: the worker runs at the server's priority
  }
  const asked = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  let nextRid = 1;
  port.on("message", async (message: ToWorker<I>) => {
    if (message.type === "answer") {
      const waiting = asked.get(message.rid);
      asked.delete(message.rid);
      if (message.error !== undefined) waiting?.reject(new Error(message.error));
      else waiting?.resolve(message.value);
      return;
    }
    const { id, input } = message;
    const ask: TaskAsk = (request) =>
      new Promise((resolve, reject) => {
        const rid = nextRid++;
        asked.set(rid, { resolve, reject });
        port.postMessage({ type: "request", id, rid, request } satisfies FromWorker<O>);
      });
    try {
      port.postMessage({ type: "result", id, value: await task(input, ask) } satisfies FromWorker<O>);
    } catch (err) {
      // A defect: the pool logs it. Only the message crosses, as a stack would name server paths.
      port.postMessage({ type: "failure", id, message: String((err as Error)?.message ?? err) });
    }
  });
  return (pid, running) => port.postMessage({ type: "child", pid, running } satisfies FromWorker<O>);
}
