import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import nock from "nock";
import { pino } from "pino";
import { afterAll, beforeAll, inject } from "vitest";
import { parseServerConfig } from "../../src/config/index.js";
import { type AppDeps, createDeps } from "../../src/handlers/deps.js";
import { createApp } from "../../src/index.js";
import { tempDir } from "../helpers/fixtures.js";
import { type SentRequest, testProbot } from "../helpers/github.js";
import { GitHubState } from "../helpers/github-state.js";
import { sharedPreviewPool } from "../helpers/preview-pool.js";
import { pushPayload } from "../helpers/webhooks.js";

export { OWNER_ID, REPOSITORY_ID } from "../helpers/webhooks.js";

export const ZERO = "0".repeat(40);
/** A 40-hex SHA made of one repeated character. */
export const sha = (c: string) => c.repeat(40);

const quiet = {
  info: () => {},
  error: (o: object) => console.error("JOB ERROR", (o as { err?: Error }).err),
};

/** The real app, wired to the shared test cluster as cluster `test`, with GitHub mocked by nock. */
export interface AppHarness {
  github: GitHubState;
  deps: AppDeps;
  probot: ReturnType<typeof testProbot>["probot"];
  /** Every request the app sent GitHub. */
  sent: SentRequest[];
  /** Requests that GitHub's OpenAPI description does not allow. */
  invalid: string[];
  /** What the app logged with `info`, as `msg` (and `reason` when given). */
  logged: string[];
  /** Serves a commit whose tree holds these files (path → content). */
  commit(id: string, files: Record<string, string>): void;
  /** Delivers a push of `after` onto `branch` and waits for its deploys. */
  push(before: string, after: string, branch?: string): Promise<void>;
  remove(): void;
}

/**
 * Starts the app with a server config whose `clusters.test` is the test cluster (with `clusterExtra` lines
 * under it) and whose `repositories` section is `repositories` (YAML, indented two spaces).
 */
export function appHarness(repositories: string, clusterExtra = ""): AppHarness {
  const work = tempDir("capstan-app-");
  const github = new GitHubState();
  const logged: string[] = [];
  const server = parseServerConfig(
    `clusters:\n  test:\n    kubeconfig: ${inject("kubeconfig")}\n${clusterExtra}repositories:\n${repositories}`,
    "server.yml",
  );
  const deps = createDeps(quiet, {
    previewPool: sharedPreviewPool(),
    pacer: { spacingMs: 0, sleep: async () => {} },
    cacheDir: join(work.dir, "cache"),
    server,
    healthTimeoutMs: 60_000,
  });
  // The flows log through the webhook context's logger, which is Probot's: capture its lines.
  const log = pino(
    { level: "info" },
    {
      write(line: string) {
        const entry = JSON.parse(line) as { msg?: string; reason?: string };
        logged.push(entry.reason ? `${entry.msg}: ${entry.reason}` : String(entry.msg));
      },
    },
  );
  const { probot, sent, invalid } = testProbot(createApp(deps), { log });
  return {
    github,
    deps,
    probot,
    sent,
    invalid,
    logged,
    commit(id, files) {
      const dir = join(work.dir, id, "repo");
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      github.serveTree(sha(id), dir);
    },
    async push(before, after, branch = "main") {
      github.branches.set(branch, after);
      const payload = pushPayload(before, after, "Merge", branch);
      await probot.receive({ name: "push", id: `push-${branch}-${after.slice(0, 3)}`, payload } as never);
      await deps.deploys.idle();
    },
    remove: () => work.remove(),
  };
}

/** `.github/capstan.yml` with one environment per entry (each a YAML mapping's lines, without the dash). */
export function capstanConfig(...environments: string[][]): string {
  return `environments:\n${environments.map((lines) => `  - ${lines.join("\n    ")}\n`).join("")}`;
}

/** For the enclosing suite: no request leaves for the internet; the test cluster (on loopback) is reached. */
export function mockGitHubOnly(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterAll(() => nock.enableNetConnect());
}
