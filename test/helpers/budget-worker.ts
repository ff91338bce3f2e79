// A worker for the WorkerPool tests: each task is one way a task can behave.
import { spawn } from "node:child_process";
import { serveTasks } from "../../src/worker-pool.js";

/** What the test worker is asked to do. */
export type BudgetTask =
  | { kind: "echo"; value: string }
  | { kind: "spin" }
  | { kind: "hoard" }
  /** Starts `sleep seconds` (the test finds it by that command line), then spins. */
  | { kind: "spawn-and-spin"; seconds: string }
  | { kind: "throw" }
  /** Asks the starting thread each question in turn and returns the answers (or the refusal) joined. */
  | { kind: "ask"; questions: string[] };

const report = serveTasks(async (task: BudgetTask, ask) => {
  switch (task.kind) {
    case "echo":
      return task.value;
    case "spin":
      for (;;);
    case "hoard": {
      const kept: string[][] = [];
      for (;;) kept.push(Array.from({ length: 10_000 }, (_, i) => `${i}-${kept.length}`));
    }
    case "spawn-and-spin": {
      // A renderer that would run for ten minutes, in a process group of its own as the runner starts them.
      const child = spawn("sleep", [task.seconds], { detached: true, stdio: "ignore" });
      report(child.pid!, true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (;;);
    }
    case "throw":
      throw new Error("a defect in the task");
    case "ask": {
      const answers: string[] = [];
      for (const q of task.questions)
        answers.push(String(await ask(q).catch((e: Error) => `refused: ${e.message}`)));
      return answers.join(", ");
    }
  }
});
