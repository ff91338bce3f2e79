// A hostile pull request costs its own preview and nothing else: while it renders, the server answers
// /ping at once, and the next pull request is previewed normally. Each case is delivered as GitHub
// delivers webhooks (signed, over HTTP, to Probot's server), with a plain pull request right behind it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import nock from "nock";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AppDeps, createDeps, previewPool } from "../../src/handlers/deps.js";
import { createApp } from "../../src/index.js";
import { type HostileCase, hostile, tempDir } from "../helpers/fixtures.js";
import { testServer } from "../helpers/github.js";
import { GitHubState } from "../helpers/github-state.js";
import { aliasBomb, bombFile, deploymentList } from "../helpers/hostile-yaml.js";
import { sharedPreviewPool } from "../helpers/preview-pool.js";
import { examplePayload } from "../helpers/webhooks.js";

const sha = (id: string) => id.padEnd(40, "0");
const BASE = sha("a");
const PLAIN_HEAD = sha("c");
// The slowest /ping answer allowed while a hostile preview runs.
const PING_BUDGET_MS = 100;

const CONFIG = [
  "environments:",
  "  - name: plain",
  "    path: plain",
  "    renderer: plain",
  "    namespace: shop",
  "  - name: built",
  "    path: built",
  "    renderer: kustomize",
  "    namespace: shop",
  "",
].join("\n");

const configMap = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: ${value}\n`;

const baseTree = {
  ".github/capstan.yml": CONFIG,
  "plain/settings.yaml": configMap("calm"),
  "built/kustomization.yaml": "resources: [settings.yaml]\n",
  "built/settings.yaml": configMap("calm"),
};

interface Case {
  name: string;
  /** Files of the head tree over the base tree. */
  files: Record<string, string>;
  /** What the hostile PR's comment or checks say. */
  says: RegExp;
  /** A pool with a smaller budget than the production one. */
  pool?: () => ReturnType<typeof previewPool>;
}

const cases: Case[] = [
  {
    name: "a billion-laughs document",
    files: { "plain/lol.yaml": aliasBomb("lol", 9) },
    says: /plain\/lol\.yaml:1: document expands past 1,000,000 nodes through YAML aliases/,
  },
  {
    name: "a 4 MiB file of bombs, each under the per-document cap",
    files: { "plain/bombs.yaml": bombFile() },
    says: /documents expand past 2,000,000 nodes in all through YAML aliases/,
  },
  {
    name: "a 4 MiB List of Deployments",
    files: { "plain/list.yaml": deploymentList() },
    says: /\| `plain` \| plain \| \+14041 \|/,
  },
  {
    name: "a kustomization that outruns the renderer's time limit",
    files: {
      "built/bombs.yaml": bombFile(),
      "built/kustomization.yaml": "resources: [settings.yaml, bombs.yaml]\n",
    },
    says: /kustomize timed out after 3 s/,
  },
  {
    name: "a Secret patch kustomize cannot parse, which it quotes",
    files: {
      "built/kustomization.yaml": read("kustomize-secret-patch/inline/kustomization.yaml"),
      "built/secret.yaml": read("kustomize-secret-patch/inline/secret.yaml"),
    },
    says: /kustomize failed/,
  },
  {
    name: "a preview past the worker's time budget",
    files: { "plain/list.yaml": deploymentList() },
    // The List takes a few seconds to preview on a fast machine: a budget well below that stops it.
    says: /the preview took longer than 1 s and was stopped/,
    pool: () => previewPool({ timeoutMs: 1000 }),
  },
];

// A value the hostile cases hide, which nothing may show: not the PR, not its checks, not the log.
const SECRET_VALUE = "Tr0ub4dor-inline-3";

function read(path: string): string {
  return readFileSync(join(hostile(path.split("/")[0] as HostileCase), ...path.split("/").slice(1)), "utf8");
}

describe("hostile previews", () => {
  const work = tempDir("capstan-hostile-");
  // The server's log, every line of it.
  const logged: string[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void logged.push(line) });
  let github: GitHubState;
  let server: Awaited<ReturnType<typeof testServer>>;
  let deps: AppDeps;
  let serving: Case | undefined;

  beforeAll(() => {
    nock.enableNetConnect("127.0.0.1");
  });
  afterAll(async () => {
    await server?.stop();
    nock.disableNetConnect();
    work.remove();
  });
  beforeEach(() => {
    github = new GitHubState();
  });
  afterEach(() => {
    // Every request matched GitHub's OpenAPI description, and none, like no log line, held the value.
    expect(server.invalid).toEqual([]);
    expect(JSON.stringify(server.sent)).not.toContain(SECRET_VALUE);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join("\n")).not.toContain(SECRET_VALUE);
  });

  async function serve(c: Case) {
    if (server && serving?.pool === c.pool) return;
    await server?.stop();
    deps = createDeps(log, {
      previewPool: c.pool?.() ?? sharedPreviewPool(),
      pacer: { spacingMs: 0, sleep: async () => {} },
      cacheDir: join(work.dir, "cache"),
    });
    deps.render.limits.timeoutMs = 3000;
    server = await testServer(createApp(deps), log);
    serving = c;
    // A server that has been running: the worker has booted and compiled its schemas, and the test's own
    // check of each request against GitHub's OpenAPI description (half a second to load, a tenth of one
    // per operation, all on this thread) has seen every operation a preview sends.
    commit("a", baseTree);
    const head = commit("d", { ...baseTree, "plain/settings.yaml": configMap("warm") });
    await server.deliver("pull_request", "warm-up", opened(1, head));
    await deps.queue.idle();
    expect(github.commentsOn(1)).toHaveLength(1);
  }

  function commit(id: string, files: Record<string, string>): string {
    const dir = join(work.dir, id, "repo");
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    github.serveTree(sha(id), dir);
    return sha(id);
  }

  function opened(number: number, head: string) {
    github.prHeads.set(number, { head, base: BASE });
    return examplePayload("pull_request", "opened", {
      number,
      pull_request: { number, base: { sha: BASE }, head: { sha: head } },
    });
  }

  // /ping answers, one after another, for as long as the work runs.
  async function pingsWhile(work: Promise<unknown>): Promise<number[]> {
    let done = false;
    void work.finally(() => {
      done = true;
    });
    const times: number[] = [];
    while (!done) {
      const start = performance.now();
      const answer = await fetch(`${server.url}/ping`);
      expect(await answer.text()).toBe("PONG");
      times.push(performance.now() - start);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await work;
    return times;
  }

  it.each(cases.map((c, i) => [c.name, c, i] as const))(
    "%s: /ping answers within 100 ms and the next PR is previewed",
    async (_name, c, i) => {
      await serve(c);
      commit("a", baseTree);
      const hostileHead = commit(`b${i}`, { ...baseTree, ...c.files });
      commit("c", { ...baseTree, "plain/settings.yaml": configMap("lively") });
      const hostilePr = 10 + i;
      const plainPr = 100 + i;

      const pings = await pingsWhile(
        (async () => {
          expect(await server.deliver("pull_request", `hostile-${i}`, opened(hostilePr, hostileHead))).toBe(
            200,
          );
          expect(await server.deliver("pull_request", `plain-${i}`, opened(plainPr, PLAIN_HEAD))).toBe(200);
          await deps.queue.idle();
        })(),
      );

      expect(pings.length).toBeGreaterThan(5);
      expect(Math.max(...pings)).toBeLessThan(PING_BUDGET_MS);
      const said = [
        ...github.commentsOn(hostilePr).map((x) => x.body),
        ...github.checkRuns
          .filter((r) => r.head_sha === hostileHead)
          .map((r) => `${r.output.summary}\n${r.output.text ?? ""}`),
      ].join("\n");
      expect(said).toMatch(c.says);
      const [plain] = github.commentsOn(plainPr).map((x) => x.body);
      expect(plain).toContain("| `plain` | plain | +0 | ~1 | −0 |");
      expect(plain).toContain("+  mode: lively");
      expect(
        github.checkRuns.filter((r) => r.head_sha === PLAIN_HEAD).map((r) => [r.name, r.conclusion]),
      ).toEqual([
        ["capstan/diff", "success"],
        ["capstan/policy", "success"],
      ]);
    },
  );
});
