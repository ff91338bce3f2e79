import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseServerConfig } from "../../src/config/index.js";
import { Pacer } from "../../src/github/pacer.js";
import { autoMerge, openRevert, pullRequestOf, RevertConflictError } from "../../src/github/revert.js";
import { type AppDeps, createDeps } from "../../src/handlers/deps.js";
import { createApp } from "../../src/index.js";
import { tempDir } from "../helpers/fixtures.js";
import { type SentRequest, testProbot } from "../helpers/github.js";
import { GitHubState } from "../helpers/github-state.js";
import { sharedPreviewPool } from "../helpers/preview-pool.js";
import { INSTALLATION, OWNER, pushPayload, REPO } from "../helpers/webhooks.js";

const sha = (c: string) => c.repeat(40);
const silent = { info: () => {}, error: () => {} };

// What a push does when it cannot deploy: the Deployment fails with the reason and no cluster is touched.
// The server config's kubeconfig does not exist, so any attempt to reach the cluster would show instead.
describe("deploying a push that cannot be deployed", () => {
  let work: ReturnType<typeof tempDir>;
  let github: GitHubState;
  let deps: AppDeps;
  let harness: ReturnType<typeof testProbot>;

  beforeEach(() => {
    work = tempDir("capstan-push-");
    github = new GitHubState();
    const server = parseServerConfig(
      `clusters:\n  prod:\n    kubeconfig: ${join(work.dir, "missing-kubeconfig")}\nrepositories:\n  ${OWNER}/${REPO}:\n    clusters: [prod]\n`,
      "server.yml",
    );
    deps = createDeps(silent, {
      previewPool: sharedPreviewPool(),
      pacer: { spacingMs: 0, sleep: async () => {} },
      cacheDir: join(work.dir, "cache"),
      server,
    });
    harness = testProbot(createApp(deps));
  });
  afterEach(() => {
    work.remove();
    expect(harness.invalid).toEqual([]);
  });

  function commit(id: string, config: string, app: string) {
    const dir = join(work.dir, id, "repo");
    mkdirSync(join(dir, ".github"), { recursive: true });
    mkdirSync(join(dir, "deploy"));
    writeFileSync(join(dir, ".github/capstan.yml"), config);
    writeFileSync(join(dir, "deploy/app.yaml"), app);
    github.serveTree(sha(id), dir);
  }
  const CONFIG = "environments:\n  - name: production\n    path: deploy\n    cluster: prod\n";
  const GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: '1'\n";

  async function push(before: string, after: string) {
    github.branches.set("main", after);
    github.mergedPulls.set(after, { number: 7, title: "Change", author: "mona", nodeId: "PR_7", labels: [] });
    const payload = pushPayload(before, after);
    await harness.probot.receive({ name: "push", id: `push-${after}`, payload } as never);
    await deps.deploys.idle();
  }
  const statuses = () => github.deployments.map((d) => d.statuses.map((s) => `${s.state}: ${s.description}`));

  it.each([
    [
      "malformed YAML",
      CONFIG,
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [unclosed\n",
      /^failure: Not deployed: deploy\/app\.yaml:\d+: malformed YAML/,
    ],
    [
      "an invalid config",
      `${CONFIG}    prune: maybe\n`,
      GOOD,
      /^failure: Not deployed: \.github\/capstan\.yml:\d+: .*prune/,
    ],
  ])("fails the Deployment with the reason for %s at the pushed commit", async (_, config, app, expected) => {
    commit("a", CONFIG, GOOD);
    commit("b", config, app);
    await push(sha("a"), sha("b"));
    expect(statuses()).toEqual([
      ["queued: Waiting to sync", "in_progress: Syncing to cluster prod", expect.stringMatching(expected)],
    ]);
    expect(github.comments.at(-1)!.body).toContain("| not deployed |");
    expect(github.graphql).toEqual([]);
  });

  it("leaves environments of other branches, without autoSync or without a cluster alone", async () => {
    const config =
      "environments:\n  - name: staging\n    path: deploy\n    cluster: prod\n    branch: develop\n  - name: manual\n    path: deploy\n    cluster: prod\n    autoSync: false\n  - name: preview-only\n    path: deploy\n";
    commit("a", config, GOOD);
    await push("0".repeat(40), sha("a"));
    expect(github.deployments).toEqual([]);
    expect(github.comments).toEqual([]);
  });
});

// The REST revert, for a commit without a PR or when GitHub's revertPullRequest refuses: the revert of X
// is merged onto the current head through the git data API, so later commits are kept.
describe("the REST three-way revert", () => {
  const X = sha("c");
  const P = sha("b");
  const H = sha("e");
  const base = `/repos/${OWNER}/${REPO}`;
  let sent: SentRequest[];
  let invalid: string[];
  let octokit: Awaited<ReturnType<ReturnType<typeof testProbot>["probot"]["auth"]>>;
  let scope: nock.Scope;

  beforeEach(async () => {
    const harness = testProbot(() => {});
    ({ sent, invalid } = harness);
    scope = nock("https://api.github.com");
    scope
      .post(`/app/installations/${INSTALLATION}/access_tokens`)
      .reply(200, { token: "ghs_test", permissions: {} });
    octokit = await harness.probot.auth(INSTALLATION);
    const commit = (s: string, tree: string, parents: string[]) => ({
      sha: s,
      tree: { sha: tree },
      parents: parents.map((p) => ({ sha: p })),
    });
    scope.get(`${base}/git/commits/${X}`).reply(200, commit(X, "tree-x", [P]));
    scope.get(`${base}/git/commits/${P}`).reply(200, commit(P, "tree-p", []));
    scope.get(`${base}/branches/main`).reply(200, { name: "main", commit: { sha: H } });
    scope.get(`${base}/git/commits/${H}`).reply(200, commit(H, "tree-h", [X]));
    scope.post(`${base}/git/commits`, (b) => b.tree === "tree-p").reply(201, { sha: sha("1") });
    scope.post(`${base}/git/commits`, (b) => b.tree === "tree-h").reply(201, { sha: sha("2") });
    scope
      .post(`${base}/git/refs`, { ref: "refs/heads/capstan/tmp-revert-cccccccccccc", sha: sha("2") })
      .reply(201, {});
    // Octokit sends the ref's slashes encoded (heads%2Fcapstan%2F…), which GitHub accepts.
    scope.delete(`${base}/git/refs/heads%2Fcapstan%2Ftmp-revert-cccccccccccc`).reply(204);
  });
  afterEach(() => {
    expect(invalid).toEqual([]);
    nock.cleanAll();
  });
  const input = { sha: X, branch: "main", title: "Revert cccccc", body: "why" };
  const pacer = () =>
    new Pacer({ spacingMs: 0, perHour: 1000, retries: 0, fallbackWaitMs: 0, sleep: async () => {} });

  it("merges the revert onto the head, commits it on a branch of its own and opens a labelled PR", async () => {
    scope
      .post(`${base}/merges`, {
        base: "capstan/tmp-revert-cccccccccccc",
        head: sha("1"),
        commit_message: /Capstan-Revert-Of: c{40}/,
      })
      .reply(201, { sha: sha("3"), commit: { tree: { sha: "tree-merged" } } });
    scope
      .post(`${base}/git/commits`, (b) => b.tree === "tree-merged" && b.parents[0] === H)
      .reply(201, { sha: sha("4") });
    scope
      .post(`${base}/git/refs`, { ref: "refs/heads/capstan/revert-cccccccccccc", sha: sha("4") })
      .reply(201, {});
    scope
      .post(`${base}/pulls`, {
        title: "Revert cccccc",
        head: "capstan/revert-cccccccccccc",
        base: "main",
        body: "why",
      })
      .reply(201, { number: 77, html_url: "https://github.com/x/y/pull/77", node_id: "PR_77" });
    scope
      .post(`${base}/issues/77/labels`, { labels: ["capstan:revert"] })
      .reply(200, [{ name: "capstan:revert" }]);
    const revert = await openRevert(octokit as never, pacer(), { owner: OWNER, repo: REPO }, input);
    expect(revert).toEqual({
      number: 77,
      url: "https://github.com/x/y/pull/77",
      nodeId: "PR_77",
      via: "rest",
    });
    expect(scope.pendingMocks()).toEqual([]);
    expect(sent.filter((r) => r.path.includes("graphql"))).toEqual([]);
  });

  it("reports a conflict clearly and leaves no PR and no temporary branch", async () => {
    scope.post(`${base}/merges`).reply(409, { message: "Merge conflict" });
    await expect(openRevert(octokit as never, pacer(), { owner: OWNER, repo: REPO }, input)).rejects.toThrow(
      new RevertConflictError("reverting cccccccccccc conflicts with later changes on main"),
    );
    expect(scope.pendingMocks()).toEqual([]);
    expect(sent.some((r) => r.path.endsWith("/pulls"))).toBe(false);
  });
});

describe("auto-merge of a revert PR", () => {
  const repo = { owner: OWNER, repo: REPO };
  const pacer = () =>
    new Pacer({ spacingMs: 0, perHour: 1000, retries: 0, fallbackWaitMs: 0, sleep: async () => {} });
  let scope: nock.Scope;
  let octokit: Awaited<ReturnType<ReturnType<typeof testProbot>["probot"]["auth"]>>;
  let invalid: string[];
  beforeEach(async () => {
    const harness = testProbot(() => {});
    invalid = harness.invalid;
    scope = nock("https://api.github.com");
    scope
      .post(`/app/installations/${INSTALLATION}/access_tokens`)
      .reply(200, { token: "ghs_test", permissions: {} });
    octokit = await harness.probot.auth(INSTALLATION);
  });
  afterEach(() => {
    expect(invalid).toEqual([]);
    expect(scope.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("enables auto-merge through GraphQL", async () => {
    scope
      .post(
        "/graphql",
        (b) => b.query.includes("enablePullRequestAutoMerge") && b.variables.input.pullRequestId === "PR_77",
      )
      .reply(200, { data: { enablePullRequestAutoMerge: { pullRequest: { number: 77 } } } });
    expect(await autoMerge(octokit as never, pacer(), repo, { number: 77, nodeId: "PR_77" })).toBe(
      "auto-merge",
    );
  });

  it("merges at once when GitHub says the PR is already clean", async () => {
    scope.post("/graphql").reply(200, {
      errors: [{ type: "UNPROCESSABLE", message: "Pull request Pull request is in clean status" }],
    });
    scope
      .put(`/repos/${OWNER}/${REPO}/pulls/77/merge`, { merge_method: "merge" })
      .reply(200, { merged: true, sha: "x", message: "Merged" });
    expect(await autoMerge(octokit as never, pacer(), repo, { number: 77, nodeId: "PR_77" })).toBe("merged");
  });

  it("reports any other refusal (auto-merge not allowed in the repository)", async () => {
    scope
      .post("/graphql")
      .reply(200, { errors: [{ message: "Auto merge is not allowed for this repository" }] });
    await expect(autoMerge(octokit as never, pacer(), repo, { number: 77, nodeId: "PR_77" })).rejects.toThrow(
      "Auto merge is not allowed",
    );
  });
});

describe("the PR a deployed commit came from", () => {
  it("is one merged into the pushed branch, never an open PR or one merged elsewhere", async () => {
    const harness = testProbot(() => {});
    const scope = nock("https://api.github.com");
    scope
      .post(`/app/installations/${INSTALLATION}/access_tokens`)
      .reply(200, { token: "ghs_test", permissions: {} });
    const octokit = await harness.probot.auth(INSTALLATION);
    const pr = (number: number, merged: boolean, base: string, mergeSha = "") => ({
      number,
      node_id: `PR_${number}`,
      title: `PR ${number}`,
      user: { login: "mona" },
      html_url: `https://github.com/${OWNER}/${REPO}/pull/${number}`,
      labels: [],
      merged_at: merged ? "2026-11-28T08:00:00Z" : null,
      merge_commit_sha: mergeSha,
      base: { ref: base },
    });
    const path = `/repos/${OWNER}/${REPO}/commits/${sha("c")}/pulls`;
    scope.get(path).reply(200, [pr(1, false, "main"), pr(2, true, "release", sha("c"))]);
    expect(
      await pullRequestOf(octokit as never, { owner: OWNER, repo: REPO }, sha("c"), "main"),
    ).toBeUndefined();
    scope.get(path).reply(200, [pr(1, false, "main"), pr(3, true, "main"), pr(4, true, "main", sha("c"))]);
    expect(
      (await pullRequestOf(octokit as never, { owner: OWNER, repo: REPO }, sha("c"), "main"))?.number,
    ).toBe(4);
    expect(harness.invalid).toEqual([]);
    nock.cleanAll();
  });
});
