// One pool of preview workers per test file. A worker that boots from the TypeScript sources compiles
// them first (about a second, more with the policy schemas), which every test would otherwise pay.
import type { PreviewTask, PreviewTaskResult } from "../../src/flows/preview-task.js";
import { previewPool } from "../../src/handlers/deps.js";
import type { WorkerPool } from "../../src/worker-pool.js";

let pool: WorkerPool<PreviewTask, PreviewTaskResult> | undefined;

/** The test file's preview workers, with the production budgets. */
export function sharedPreviewPool(): WorkerPool<PreviewTask, PreviewTaskResult> {
  pool ??= previewPool();
  return pool;
}
