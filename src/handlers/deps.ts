import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "probot";
import type { ServerConfig } from "../config/index.js";
import type { PullRequestPreviewInput } from "../flows/pull-request.js";
import { defaultPacerOptions, Pacer, type PacerOptions } from "../github/pacer.js";
import { defaultRenderOptions, type RenderOptions } from "../render/index.js";
import { type Log, WorkQueue } from "../work-queue.js";

/** What the handlers share: the work queue, a write pacer per installation, and where trees are cached. */
export interface AppDeps {
  queue: WorkQueue;
  /** The operator's clusters and which repositories may use them (`CAPSTAN_CONFIG`), if any. */
  server?: ServerConfig;
  pacerFor(installation: number): Pacer;
  cacheDir: string;
  render: RenderOptions;
}

/** Dependencies for a running app. */
export function createDeps(
  log: Log,
  overrides: { pacer?: Partial<PacerOptions>; cacheDir?: string; server?: ServerConfig } = {},
): AppDeps {
  const pacers = new Map<number, Pacer>();
  return {
    queue: new WorkQueue(log),
    server: overrides.server,
    pacerFor(installation) {
      let pacer = pacers.get(installation);
      if (!pacer) {
        pacer = new Pacer({ ...defaultPacerOptions(), ...overrides.pacer });
        pacers.set(installation, pacer);
      }
      return pacer;
    },
    cacheDir: overrides.cacheDir ?? join(tmpdir(), "capstan-trees"),
    render: defaultRenderOptions(),
  };
}

/** The parts of a preview's input that come from the webhook's context. */
export function contextInput(deps: AppDeps, context: Context) {
  const payload = context.payload as { installation?: { id: number } };
  return {
    octokit: context.octokit,
    pacer: deps.pacerFor(payload.installation?.id ?? 0),
    log: context.log,
    repo: context.repo(),
    cacheDir: deps.cacheDir,
    render: deps.render,
    server: deps.server,
  } satisfies Partial<PullRequestPreviewInput>;
}
