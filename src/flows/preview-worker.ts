// The worker thread that runs pull request previews (see WorkerPool): renders, diffs, policy and the
// report's text, away from the thread that answers webhooks. Render durations travel back with each
// result, since the server's metrics registry lives in the other thread.
import { observeRenders } from "../render/index.js";
import { observeChildren } from "../render/runner.js";
import { serveTasks } from "../worker-pool.js";
import { type PreviewTask, type PreviewTaskResult, runPreviewTask } from "./preview-task.js";

let renders: NonNullable<PreviewTaskResult["renders"]> = [];
observeRenders((renderer, seconds) => renders.push([renderer, seconds]));

observeChildren(
  serveTasks(async (task: PreviewTask, ask): Promise<PreviewTaskResult> => {
    renders = [];
    const result = await runPreviewTask(task, ask);
    return { ...result, renders };
  }),
);
