import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parsePullRequestRef } from "../../src/cli/args.js";
import { diffPullRequest } from "../../src/commands/diff-pull-request.js";
import { CapstanError, ConfigError, UsageError } from "../../src/errors.js";
import { DIFF_CHECK, POLICY_CHECK } from "../../src/flows/pull-request.js";
import { partMarker } from "../../src/github/sticky-comment.js";
import type { GitHub } from "../../src/github/types.js";
import { fixtureRepo, fixtureSecretValues, hostile, tempDir } from "../helpers/fixtures.js";
import { type SentRequest, validatingRest } from "../helpers/github.js";
import { GitHubState } from "../helpers/github-state.js";
import { OWNER, REPO } from "../helpers/webhooks.js";

const BASE = "a".repeat(40);
const HEAD = "b".repeat(40);
const PR = 7;
const ref = { owner: OWNER, repo: REPO, number: PR };

describe("capstan diff --pr", () => {
  let github: GitHubState;
  let cache: ReturnType<typeof tempDir>;
  let writes: string[];
  let sent: SentRequest[];
  let octokit: GitHub;
  let notes: string[];

  beforeEach(() => {
    github = new GitHubState();
    cache = tempDir("capstan-pr-cache-");
    writes = [];
    sent = [];
    // Every request is checked against GitHub's OpenAPI description; an invalid one fails the command.
    octokit = validatingRest(writes, sent);
    notes = [];
    github.serveTree(BASE, fixtureRepo("shop", "base"));
    github.serveTree(HEAD, fixtureRepo("shop", "head"));
    github.prHeads.set(PR, { head: HEAD, base: BASE });
  });
  afterEach(() => {
    cache.remove();
    const bodies = sent.map((r) => JSON.stringify(r.body ?? "")).join("\n");
    for (const value of fixtureSecretValues()) expect(bodies).not.toContain(value);
  });

  const run = (options: { comment?: boolean; env?: Record<string, string>; environments?: string[] } = {}) =>
    diffPullRequest(
      { pr: ref, comment: options.comment, environments: options.environments ?? [], format: "markdown" },
      { octokit, env: { CAPSTAN_CACHE_DIR: cache.dir, ...options.env }, note: (line) => notes.push(line) },
    );

  it("prints the App's report of the pull request from the same tarballs, and writes nothing", async () => {
    const { output, exitCode } = await run();
    expect(exitCode).toBe(0);
    expect(output).toContain(`Comparing ${OWNER}/${REPO}#${PR}: aaaaaaa (base) → bbbbbbb (head)`);
    expect(output).toContain("| `staging` | kustomize | +1 | ~2 | −0 | 2 | ⚠️ 2 warnings |");
    expect(output).toContain("ghcr.io/acme/shop-api:1.4.0 → 1.5.0");
    expect(writes).toEqual([]);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        `GET /repos/${OWNER}/${REPO}/pulls/${PR}`,
        `GET /repos/${OWNER}/${REPO}/tarball/${BASE}`,
        `GET /repos/${OWNER}/${REPO}/tarball/${HEAD}`,
      ]),
    );
  });

  it("--comment posts the sticky comment and both checks as the token's account, and a re-run writes nothing", async () => {
    github.tokenUser = "octocat";
    github.commentAuthor = { login: "octocat", type: "User" };
    const first = await run({ comment: true });
    expect(first.exitCode).toBe(0);
    expect(github.commentsOn(PR)).toHaveLength(1);
    const body = github.commentsOn(PR)[0]!.body;
    expect(body.startsWith(`${partMarker(1)}\n### Capstan preview`)).toBe(true);
    expect(body).toContain("| `staging` | kustomize | +1 | ~2 | −0 | 2 | ⚠️ 2 warnings |");
    expect(github.checkRuns.map((r) => [r.name, r.head_sha, r.conclusion])).toEqual([
      [DIFF_CHECK, HEAD, "success"],
      [POLICY_CHECK, HEAD, "success"],
    ]);
    expect(notes).toContain(`posted the preview on ${OWNER}/${REPO}#${PR}`);

    writes.length = 0;
    await run({ comment: true });
    expect(writes).toEqual([]);
    expect(github.commentsOn(PR)).toHaveLength(1);
  });

  it("with a workflow's token, updates github-actions[bot]'s comment and leaves a copied marker alone", async () => {
    github.commentAuthor = { login: "github-actions[bot]", type: "Bot" };
    const copied = `${partMarker(1)}\nsomeone pasted this`;
    github.comments.push(
      { id: 1, body: copied, user: { login: "mallory", type: "User" }, issue: PR },
      {
        id: 2,
        body: `${partMarker(1)}\nan old preview`,
        user: { login: "github-actions[bot]", type: "Bot" },
        issue: PR,
      },
    );
    const { exitCode } = await run({ comment: true, env: { GITHUB_ACTIONS: "true" } });
    expect(exitCode).toBe(0);
    expect(github.comments.find((c) => c.id === 1)!.body).toBe(copied);
    expect(github.comments.find((c) => c.id === 2)!.body).toContain("| `staging` | kustomize |");
    expect(writes).toContain("PATCH issues/comments/2");
    expect(writes.filter((w) => w.startsWith("POST issues/"))).toEqual([]);
  });

  it("refuses to guess whose comments to update when GitHub does not say who the token is", async () => {
    await expect(run({ comment: true })).rejects.toThrow(/did not say who the token is \(403\)/);
    expect(writes).toEqual([]);
  });

  it("posts commit statuses of the same names where the token may not create check runs", async () => {
    github.tokenUser = "octocat";
    github.failures.push({
      method: "POST",
      path: `/repos/${OWNER}/${REPO}/check-runs`,
      status: 403,
      message: "You must authenticate via a GitHub App.",
      times: 1,
    });
    const { exitCode } = await run({ comment: true });
    expect(exitCode).toBe(0);
    expect(github.checkRuns).toEqual([]);
    expect(github.statuses.map((s) => [s.sha, s.context, s.state])).toEqual([
      [HEAD, DIFF_CHECK, "success"],
      [HEAD, POLICY_CHECK, "success"],
    ]);
    expect(github.statuses[0]!.description).toBe("7 objects change in 4 environments");
    expect(notes).toContain(
      "GitHub refused to create check runs for this token; posting commit statuses instead",
    );
  });

  it("prints the report and fails, saying why, when GitHub refuses the comment (a fork's read-only token)", async () => {
    github.tokenUser = "octocat";
    github.failures.push({
      method: "POST",
      path: `/repos/${OWNER}/${REPO}/issues/${PR}/comments`,
      status: 403,
      message: "Resource not accessible by integration",
      times: 1,
    });
    const { output, exitCode } = await run({ comment: true });
    expect(exitCode).toBe(1);
    expect(output).toContain("| `staging` | kustomize |");
    expect(notes.at(-1)).toMatch(/refused to write the preview to .*#7 \(403\).*read-only token/);
  });

  it("posts nothing when the head moved on while the preview ran", async () => {
    github.tokenUser = "octocat";
    const moved = "c".repeat(40);
    // The command reads the pull request once for its heads, and again just before it writes.
    const pr = github.prHeads.get(PR)!;
    Object.defineProperty(pr, "head", { get: () => ((pr.reads ?? 0) >= 2 ? moved : HEAD) });
    await run({ comment: true });
    expect(github.comments).toEqual([]);
    expect(github.checkRuns).toEqual([]);
    expect(notes).toContain(
      `nothing posted: the head of ${OWNER}/${REPO}#${PR} moved on from bbbbbbb while it was previewed`,
    );
  });

  it("says a fork's pull request is one, in the printed report and in the comment", async () => {
    github.tokenUser = "octocat";
    github.commentAuthor = { login: "octocat", type: "User" };
    github.prHeads.set(PR, { head: HEAD, base: BASE, fork: true });
    const { output } = await run({ comment: true });
    expect(output).toContain("(head), from a fork");
    expect(github.commentsOn(PR)[0]!.body).toContain("This pull request comes from a fork");
  });

  it("posts an invalid config's problems as the App does, and fails", async () => {
    const broken = "d".repeat(40);
    github.tokenUser = "octocat";
    github.serveTree(broken, hostile("invalid-config"));
    github.prHeads.set(PR, { head: broken, base: BASE });
    await expect(run({ comment: true })).rejects.toBeInstanceOf(ConfigError);
    const diff = github.checkRuns.find((r) => r.name === DIFF_CHECK)!;
    expect(diff.conclusion).toBe("failure");
    expect(diff.output.annotations).toContainEqual(
      expect.objectContaining({ path: ".github/capstan.yml", start_line: 7, annotation_level: "failure" }),
    );
    expect(github.commentsOn(PR)[0]!.body).toContain("❌ Capstan could not read `.github/capstan.yml`");
    expect(notes).toContain(`posted the config's problems on ${OWNER}/${REPO}#${PR}`);
  });

  it.each([
    ["no token", {}, UsageError, /set GITHUB_TOKEN/],
    [
      "an unknown pull request",
      { GITHUB_TOKEN: "t" },
      CapstanError,
      /#99 was not found, or the token may not read/,
    ],
  ])("%s is a clear error", async (_what, env, type, message) => {
    const options = { pr: { ...ref, number: 99 }, environments: [], format: "markdown" as const };
    const access = { env: { CAPSTAN_CACHE_DIR: cache.dir, ...env }, note: () => {} };
    const result = diffPullRequest(options, access);
    await expect(result).rejects.toBeInstanceOf(type);
    await expect(result).rejects.toThrow(message);
  });
});

describe("--pr", () => {
  it.each([
    ["acme/shop#12", { owner: "acme", repo: "shop", number: 12 }],
    ["https://github.com/acme/shop/pull/12", { owner: "acme", repo: "shop", number: 12 }],
    ["https://github.com/acme/shop/pull/12/", { owner: "acme", repo: "shop", number: 12 }],
    ["https://github.com/acme/shop/pull/12#issuecomment-1", { owner: "acme", repo: "shop", number: 12 }],
    ["https://git.example.com/acme/my.repo/pull/3", { owner: "acme", repo: "my.repo", number: 3 }],
  ])("reads %s", (text, expected) => {
    expect(parsePullRequestRef(text)).toEqual(expected);
  });

  it.each([
    "acme/shop",
    "acme/shop#0",
    "acme/shop#12abc",
    "../shop#1",
    "acme/..#1",
    "http://github.com/acme/shop/pull/12",
    "https://github.com/acme/shop/issues/12",
    "acme/sh op#1",
  ])("refuses %s", (text) => {
    expect(() => parsePullRequestRef(text)).toThrow(UsageError);
  });
});
