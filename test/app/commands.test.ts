import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DIFF_CHECK, POLICY_CHECK } from "../../src/flows/pull-request.js";
import { type AppDeps, createDeps } from "../../src/handlers/deps.js";
import { parsePrCommand } from "../../src/handlers/parse-command.js";
import { createApp } from "../../src/index.js";
import { fixtureRepo, tempDir } from "../helpers/fixtures.js";
import { testProbot, validateAgainstOpenApi } from "../helpers/github.js";
import { GitHubState } from "../helpers/github-state.js";
import { sharedPreviewPool } from "../helpers/preview-pool.js";
import { examplePayload } from "../helpers/webhooks.js";

const BASE = "a".repeat(40);
const HEAD = "b".repeat(40);
const PR = 2;
const COMMENT = 777;
const silent = { info: () => {}, error: () => {} };

function comment(body: string, login = "octocat", type: "User" | "Bot" = "User") {
  return examplePayload("issue_comment", "created", {
    issue: {
      number: PR,
      pull_request: { url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${PR}` },
    },
    comment: { id: COMMENT, body },
    sender: { login, type },
  });
}

describe("PR commands", () => {
  let deps: AppDeps;
  let github: GitHubState;
  let probot: ReturnType<typeof testProbot>["probot"];
  let sent: ReturnType<typeof testProbot>["sent"];
  let invalid: string[];
  let cache: ReturnType<typeof tempDir>;

  beforeEach(() => {
    cache = tempDir("capstan-cache-");
    deps = createDeps(silent, {
      previewPool: sharedPreviewPool(),
      pacer: { spacingMs: 0, sleep: async () => {} },
      cacheDir: cache.dir,
    });
    ({ probot, sent, invalid } = testProbot(createApp(deps)));
    github = new GitHubState();
    github.serveTree(BASE, fixtureRepo("shop", "base"));
    github.serveTree(HEAD, fixtureRepo("shop", "head"));
    github.prHeads.set(PR, { head: HEAD, base: BASE });
  });
  afterEach(() => {
    cache.remove();
    expect(invalid).toEqual([]);
  });

  async function deliver(payload: unknown, name = "issue_comment") {
    await probot.receive({ name, id: "d", payload } as never);
    await deps.queue.idle();
  }

  it("runs /preview for a writer: eyes, the preview at the pinned head, then a rocket", async () => {
    github.permissions.set("octocat", "write");
    await deliver(comment("/preview"));
    expect(github.reactions.map((r) => r.content)).toEqual(["eyes", "rocket"]);
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain("| `production` |");
    expect(github.checkRuns.map((r) => [r.name, r.head_sha])).toEqual([
      [DIFF_CHECK, HEAD],
      [POLICY_CHECK, HEAD],
    ]);
  });

  it("answers /preview staging with a reply for that environment, leaving the sticky comment and checks alone", async () => {
    github.permissions.set("octocat", "write");
    await deliver(comment("/preview staging"));
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body.startsWith("### Capstan preview")).toBe(true);
    expect(github.comments[0]!.body).toContain("| `staging` |");
    expect(github.comments[0]!.body).not.toContain("| `production` |");
    expect(github.checkRuns).toEqual([]);
  });

  it("names an unknown environment in a refusal", async () => {
    github.permissions.set("octocat", "write");
    await deliver(comment("/preview stagin"));
    expect(github.reactions.map((r) => r.content)).toEqual(["eyes", "confused"]);
    expect(github.comments.at(-1)!.body).toContain('@octocat no environment named "stagin" in the config');
  });

  it("answers a redelivered command once", async () => {
    github.permissions.set("octocat", "write");
    const payload = comment("/help");
    await probot.receive({ name: "issue_comment", id: "same", payload } as never);
    await probot.receive({ name: "issue_comment", id: "same", payload } as never);
    await deps.queue.idle();
    expect(github.comments).toHaveLength(1);
  });

  it("refuses a reader politely, with a confused reaction, and renders nothing", async () => {
    github.permissions.set("octocat", "read");
    await deliver(comment("/preview"));
    expect(github.reactions.map((r) => r.content)).toEqual(["confused"]);
    expect(github.comments.map((c) => c.body)).toEqual([
      "@octocat Sorry, Capstan takes commands only from people with write access to this repository (yours: read).",
    ]);
    expect(github.checkRuns).toEqual([]);
    expect(sent.some((r) => r.path.includes("/tarball/"))).toBe(false);
  });

  it("answers a stranger's repeated commands with a reaction each and one reply in all", async () => {
    github.permissions.set("mallory", "read");
    for (let i = 0; i < 5; i++) {
      const payload = comment("/preview", "mallory") as { comment: { id: number } };
      payload.comment.id = 7000 + i;
      await probot.receive({ name: "issue_comment", id: `spam-${i}`, payload } as never);
    }
    await deps.queue.idle();
    expect(github.reactions.map((r) => r.content)).toEqual(Array(5).fill("confused"));
    expect(github.comments.map((c) => c.body)).toEqual([
      "@mallory Sorry, Capstan takes commands only from people with write access to this repository (yours: read).",
    ]);
    const writes = sent.filter((r) => r.method === "POST" && !r.path.includes("access_tokens"));
    expect(writes).toHaveLength(6);
  });

  it("answers /help", async () => {
    github.permissions.set("octocat", "admin");
    await deliver(comment("/help"));
    expect(github.comments[0]!.body).toContain("**Capstan commands**");
    expect(github.reactions.map((r) => r.content)).toEqual(["eyes", "rocket"]);
  });

  it("explains that /preview live needs clusters when the server has none", async () => {
    github.permissions.set("octocat", "write");
    await deliver(comment("/preview live"));
    expect(github.comments[0]!.body).toContain(
      "`/preview live` needs clusters, and this Capstan has none configured",
    );
    expect(github.reactions.map((r) => r.content)).toEqual(["eyes", "confused"]);
  });

  it("refuses /preview live for a fork", async () => {
    github.permissions.set("octocat", "write");
    github.prHeads.set(PR, { head: HEAD, base: BASE, fork: true });
    await deliver(comment("/preview live"));
    expect(github.comments[0]!.body).toContain(
      "`/preview live` is not available for pull requests from forks",
    );
  });

  it.each([
    ["a bot's comment", comment("/preview", "renovate[bot]", "Bot")],
    ["a comment that is not a command", comment("looks good to me")],
    ["a comment on an issue", examplePayload("issue_comment", "created", { comment: { body: "/preview" } })],
    [
      "an edited comment",
      examplePayload("issue_comment", "edited", {
        comment: { body: "/preview" },
        issue: { pull_request: { url: "x" } },
      }),
    ],
  ])("ignores %s without a single request", async (_name, payload) => {
    await deliver(payload);
    expect(sent.filter((r) => !r.path.includes("access_tokens"))).toEqual([]);
  });

  it("re-runs a fork's preview, whose check run lists no pull requests, by its head commit", async () => {
    await deliver(
      examplePayload("check_suite", "rerequested", {
        check_suite: { head_sha: HEAD, pull_requests: [] },
      }),
      "check_suite",
    );
    expect(github.comments).toHaveLength(1);
    expect(github.checkRuns.map((r) => r.head_sha)).toEqual([HEAD, HEAD]);
  });

  it("re-runs the preview from the Checks tab (check_run.rerequested)", async () => {
    await deliver(
      examplePayload("check_run", "rerequested", {
        repository: {
          name: "Hello-World",
          full_name: "Codertocat/Hello-World",
          owner: { login: "Codertocat" },
        },
        check_run: {
          pull_requests: [
            {
              number: PR,
              id: 1,
              url: "",
              head: { ref: "f", sha: HEAD, repo: { id: 1, name: "Hello-World", url: "" } },
              base: { ref: "main", sha: BASE, repo: { id: 1, name: "Hello-World", url: "" } },
            },
          ],
        },
      }),
      "check_run",
    );
    expect(github.comments).toHaveLength(1);
    expect(github.checkRuns.map((r) => r.head_sha)).toEqual([HEAD, HEAD]);
  });
});

describe("parsePrCommand", () => {
  it.each<[string, ReturnType<typeof parsePrCommand>]>([
    ["/preview", { name: "preview", live: false, environments: [] }],
    [
      "  /preview staging prod  \nthanks",
      { name: "preview", live: false, environments: ["staging", "prod"] },
    ],
    ["/preview live staging", { name: "preview", live: true, environments: ["staging"] }],
    ["/help", { name: "help" }],
    ["/previews", undefined],
    ["please /preview", undefined],
    ["", undefined],
  ])("%j", (body, command) => expect(parsePrCommand(body)).toEqual(command));
});

describe("the OpenAPI check of the tests' requests", () => {
  it.each([
    [{ method: "POST", path: "/repos/o/r/issues/1/comments", body: { body: "hi" } }, undefined],
    [{ method: "POST", path: "/repos/o/r/issues/1/comments", body: { text: "hi" } }, /is invalid/],
    [{ method: "POST", path: "/repos/o/r/no-such-route", body: {} }, /no GitHub REST operation matches/],
    [
      {
        method: "POST",
        path: "/repos/o/r/check-runs",
        body: { name: "x", head_sha: "a", conclusion: "maybe" },
      },
      /is invalid/,
    ],
  ])("%j", async (request, error) => {
    const check = validateAgainstOpenApi(request);
    if (error) await expect(check).rejects.toThrow(error);
    else await expect(check).resolves.toBeUndefined();
  });
});
