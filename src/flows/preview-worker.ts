// The worker thread that runs pull request previews (see WorkerPool): renders, diffs, policy and the
// report's text, away from the thread that answers webhooks.
import { observeChildren } from "../render/runner.js";
import { serveTasks } from "../worker-pool.js";
import { runPreviewTask } from "./preview-task.js";

observeChildren(serveTasks(runPreviewTask));
