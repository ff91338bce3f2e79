import { Buffer } from "node:buffer";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseServerConfig } from "../../src/config/index.js";
import { DIFF_CHECK, POLICY_CHECK } from "../../src/flows/pull-request.js";
import { type AppDeps, createDeps } from "../../src/handlers/deps.js";
import { createApp } from "../../src/index.js";
import { fixtureRepo, fixtureSecretValues, hostile, tempDir } from "../helpers/fixtures.js";
import { type SentRequest, testProbot } from "../helpers/github.js";
import { GitHubState } from "../helpers/github-state.js";
import { sharedPreviewPool } from "../helpers/preview-pool.js";
import { examplePayload } from "../helpers/webhooks.js";

const BASE = "a".repeat(40);
const HEAD = "b".repeat(40);
const PR = 2;

const silent = {
  info: () => {},
  error: (o: object) => console.error("JOB ERROR", (o as { err?: Error }).err?.message),
};

function setup() {
  const cache = tempDir("capstan-cache-");
  const deps: AppDeps = createDeps(silent, {
    previewPool: sharedPreviewPool(),
    pacer: { spacingMs: 0, sleep: async () => {} },
    cacheDir: cache.dir,
  });
  const { probot, sent, invalid } = testProbot(createApp(deps));
  const github = new GitHubState();
  return { deps, probot, sent, invalid, github, cache };
}

function pullRequest(action: "opened" | "synchronize" | "reopened", head = HEAD, fork = false) {
  return examplePayload("pull_request", action === "synchronize" ? "synchronize" : action, {
    number: PR,
    pull_request: {
      number: PR,
      base: { sha: BASE },
      head: { sha: head, ...(fork ? { repo: { full_name: "someone/Hello-World" } } : {}) },
    },
  });
}

function expectNoSecrets(sent: SentRequest[]) {
  const bodies = sent.map((r) => JSON.stringify(r.body ?? "")).join("\n");
  for (const v of fixtureSecretValues()) expect(bodies).not.toContain(v);
}

describe("pull request previews", () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });
  afterEach(() => {
    env.cache.remove();
    // Every request matched GitHub's OpenAPI description, and none carried a Secret value.
    expect(env.invalid).toEqual([]);
    expectNoSecrets(env.sent);
  });

  async function deliver(name: string, payload: unknown, id = "delivery-1") {
    await env.probot.receive({ name, id, payload } as Parameters<typeof env.probot.receive>[0]);
    await env.deps.queue.idle();
  }

  it("posts one sticky comment and both check runs for a PR that changes environments", async () => {
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    await deliver("pull_request", pullRequest("opened"));

    expect(env.github.comments).toHaveLength(1);
    const body = env.github.comments[0]!.body;
    expect(body.startsWith("<!-- capstan:preview part=1 -->\n### Capstan preview")).toBe(true);
    expect(body).toContain("| `staging` | kustomize | +1 | ~2 | −0 | 2 | ⚠️ 2 warnings |");
    expect(body).toContain("ghcr.io/acme/shop-api:1.4.0 → 1.5.0");
    expect(env.github.checkRuns.map((r) => [r.name, r.head_sha, r.conclusion])).toEqual([
      [DIFF_CHECK, HEAD, "success"],
      [POLICY_CHECK, HEAD, "success"],
    ]);
    const policy = env.github.checkRuns.find((r) => r.name === POLICY_CHECK)!;
    expect(policy.output.annotations).toContainEqual(
      expect.objectContaining({
        path: "deploy/overlays/staging/kustomization.yaml",
        annotation_level: "warning",
        title: "plain-secret: Secret/shop-staging/api-credentials (staging)",
      }),
    );
    expectNoSecrets(env.sent);
  });

  it("gives ten deliveries of one webhook one comment and one check run per name and SHA", async () => {
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    for (let i = 0; i < 10; i++)
      await env.probot.receive({
        name: "pull_request",
        id: "same-delivery",
        payload: pullRequest("synchronize"),
      } as never);
    await env.deps.queue.idle();
    expect(env.github.comments).toHaveLength(1);
    expect(env.github.checkRuns.map((r) => r.name).sort()).toEqual([DIFF_CHECK, POLICY_CHECK]);
    const writes = env.sent.filter((r) => r.method === "POST" && r.path.endsWith("/comments"));
    expect(writes).toHaveLength(1);
  });

  it("gives a PR that touches no environment passing checks and no comment", async () => {
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "base"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    await deliver("pull_request", pullRequest("opened"));
    expect(env.github.comments).toEqual([]);
    expect(env.github.checkRuns.map((r) => [r.name, r.conclusion, r.output.title])).toEqual([
      [DIFF_CHECK, "success", "No environment affected"],
      [POLICY_CHECK, "success", "Policy: passed"],
    ]);
  });

  it("leaves a repository that does not use Capstan alone", async () => {
    const trees = tempDir("capstan-none-");
    const { mkdirSync, writeFileSync } = await import("node:fs");
    try {
      mkdirSync(`${trees.dir}/repo`);
      writeFileSync(`${trees.dir}/repo/README.md`, "no Capstan here\n");
      env.github.serveTree(BASE, `${trees.dir}/repo`);
      env.github.serveTree(HEAD, `${trees.dir}/repo`);
      env.github.prHeads.set(PR, { head: HEAD, base: BASE });
      await deliver("pull_request", pullRequest("opened"));
      expect(env.github.comments).toEqual([]);
      expect(env.github.checkRuns).toEqual([]);
    } finally {
      trees.remove();
    }
  });

  it("never edits or deletes another bot's comment that carries the marker", async () => {
    env.github.comments.push({
      id: 1,
      body: "<!-- capstan:preview part=1 -->\nfake",
      user: { login: "mallory[bot]", type: "Bot" },
    });
    env.github.comments.push({
      id: 2,
      body: "<!-- capstan:preview part=2 -->\nfake",
      user: { login: "github-actions[bot]", type: "Bot" },
    });
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    await deliver("pull_request", pullRequest("opened"));
    expect(env.github.comments.slice(0, 2).map((c) => c.body)).toEqual([
      "<!-- capstan:preview part=1 -->\nfake",
      "<!-- capstan:preview part=2 -->\nfake",
    ]);
    expect(env.github.comments).toHaveLength(3);
  });

  it("publishes an unchanged result once: a re-run of the same head writes no new check run", async () => {
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    await deliver("pull_request", pullRequest("opened"), "first");
    await deliver("pull_request", pullRequest("synchronize"), "second");
    expect(env.github.checkRuns).toHaveLength(2);
    expect(
      env.sent.filter(
        (r) => r.method === "PATCH" || (r.method === "POST" && !r.path.includes("access_tokens")),
      ).length,
    ).toBeLessThanOrEqual(3);
  });

  it("never posts results for a head that is no longer the PR's head", async () => {
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: "c".repeat(40), base: BASE });
    await deliver("pull_request", pullRequest("synchronize"));
    expect(env.github.comments).toEqual([]);
    expect(env.github.checkRuns).toEqual([]);
  });

  it("labels a fork's preview and renders it without credentials", async () => {
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE, fork: true });
    await deliver("pull_request", pullRequest("opened", HEAD, true));
    expect(env.github.comments[0]!.body).toContain(
      "⚠️ This pull request comes from a fork: it was rendered without any credentials",
    );
  });

  it("turns an invalid config into failing checks with an annotation on the line, and a short comment", async () => {
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, hostile("invalid-config"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    await deliver("pull_request", pullRequest("opened"));
    const diff = env.github.checkRuns.find((r) => r.name === DIFF_CHECK)!;
    expect(diff.conclusion).toBe("failure");
    expect(diff.output.annotations).toContainEqual(
      expect.objectContaining({
        path: ".github/capstan.yml",
        start_line: 7,
        annotation_level: "failure",
        message: 'environments[0].autosync: unknown key; did you mean "autoSync"?',
      }),
    );
    expect(env.github.checkRuns.find((r) => r.name === POLICY_CHECK)!.conclusion).toBe("failure");
    expect(env.github.comments[0]!.body).toContain("❌ Capstan could not read `.github/capstan.yml`");
  });

  it("refuses an environment whose cluster the server does not allow this repository, at the config line", async () => {
    env.deps.server = parseServerConfig(
      "clusters:\n  staging: {kubeconfig: /k}\n  production: {kubeconfig: /k}\nrepositories:\n  Codertocat/Hello-World:\n    clusters: [staging]\n",
      "server.yml",
    );
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    await deliver("pull_request", pullRequest("opened"));
    const diff = env.github.checkRuns.find((r) => r.name === DIFF_CHECK)!;
    expect(diff.conclusion).toBe("failure");
    expect(diff.output.annotations.map((a) => [a.path, a.start_line])).toEqual([
      [".github/capstan.yml", 12],
      [".github/capstan.yml", 20],
      [".github/capstan.yml", 29],
    ]);
    expect(diff.output.annotations[0]!.message).toContain(
      'cluster "production" is not one this Capstan lets Codertocat/Hello-World use (allowed: staging)',
    );
  });

  it("says in the comment that a cluster's freeze in the server config holds merging", async () => {
    env.deps.server = parseServerConfig(
      `clusters:
  staging: {kubeconfig: /k}
  production:
    kubeconfig: /k
    freeze:
      - {name: change-board, dates: {from: "2000-01-01", until: "2999-01-01"}}
repositories:
  Codertocat/Hello-World:
    clusters: [staging, production]
`,
      "server.yml",
    );
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    await deliver("pull_request", pullRequest("opened"));
    const body = env.github.commentsOn(PR)[0]!.body;
    expect(body).toContain(
      "A deploy freeze is on: merging does not deploy production until 2999-01-01 00:00 UTC (change-board, set in the server config for cluster production).",
    );
    // staging's cluster has no freeze.
    expect(body).not.toContain("does not deploy staging");
  });

  it("shows objects outside the repository's reach on its cluster as policy errors on their lines", async () => {
    env.deps.server = parseServerConfig(
      `clusters:
  staging: {kubeconfig: /k}
  production: {kubeconfig: /k}
repositories:
  Codertocat/Hello-World:
    id: 186853002
    clusters:
      - staging
      - name: production
        namespaces: [shop, monitoring, platform]
`,
      "server.yml",
    );
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    await deliver("pull_request", pullRequest("opened"));
    const policy = env.github.checkRuns.find((r) => r.name === POLICY_CHECK)!;
    expect(policy.conclusion).toBe("failure");
    const reach = policy.output.annotations.filter((a) => String(a.title).startsWith("cluster-reach:"));
    expect(reach.length).toBeGreaterThan(0);
    for (const a of reach) {
      expect(a.annotation_level).toBe("failure");
      expect(a.path).toMatch(/^platform\//);
      expect(String(a.message)).toMatch(
        /outside this repository's reach on cluster production \(allowed: (shop, monitoring, platform|Namespace)\)/,
      );
    }
    expect(env.github.comments[0]!.body).toContain("cluster-reach");
  });

  it("splits an oversize report into numbered comments within GitHub's limit", async () => {
    const trees = tempDir("capstan-big-");
    const { mkdirSync, writeFileSync, cpSync } = await import("node:fs");
    try {
      cpSync(fixtureRepo("shop", "base"), `${trees.dir}/base`, { recursive: true });
      cpSync(fixtureRepo("shop", "base"), `${trees.dir}/head`, { recursive: true });
      mkdirSync(`${trees.dir}/head/platform/generated`);
      const docs = Array.from(
        { length: 300 },
        (_, i) =>
          `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big-${i}, namespace: platform}\ndata:\n${Array.from({ length: 12 }, (_, j) => `  key${j}: "${Buffer.alloc(20, 97 + (j % 26)).toString()}-${i}"`).join("\n")}\n`,
      );
      writeFileSync(`${trees.dir}/head/platform/generated/many.yaml`, docs.join("---\n"));
      env.github.serveTree(BASE, `${trees.dir}/base`);
      env.github.serveTree(HEAD, `${trees.dir}/head`);
      env.github.prHeads.set(PR, { head: HEAD, base: BASE });
      await deliver("pull_request", pullRequest("opened"));
      const parts = env.github.comments.map((c) => c.body);
      expect(parts.length).toBeGreaterThan(1);
      parts.forEach((p, i) => {
        expect(p.length).toBeLessThanOrEqual(65_536);
        expect(
          p.startsWith(
            `<!-- capstan:preview part=${i + 1} -->\n### Capstan preview (part ${i + 1} of ${parts.length})`,
          ),
        ).toBe(true);
      });
      for (let i = 0; i < 300; i++) expect(parts.join("\n")).toContain(`ConfigMap/platform/big-${i}<`);
      const diff = env.github.checkRuns.find((r) => r.name === DIFF_CHECK)!;
      expect(Buffer.byteLength(diff.output.text ?? "")).toBeLessThanOrEqual(65_535);
    } finally {
      trees.remove();
    }
  });

  it("trims parts left over when a report shrinks", async () => {
    env.github.comments.push(
      {
        id: 1,
        body: "<!-- capstan:preview part=1 -->\nold",
        user: { login: "capstan[bot]", type: "Bot" },
        performed_via_github_app: { id: 123 },
      },
      {
        id: 2,
        body: "<!-- capstan:preview part=2 -->\nold",
        user: { login: "capstan[bot]", type: "Bot" },
        performed_via_github_app: { id: 123 },
      },
      {
        id: 3,
        body: "<!-- capstan:preview part=3 -->\nold",
        user: { login: "capstan[bot]", type: "Bot" },
        performed_via_github_app: { id: 123 },
      },
    );
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    await deliver("pull_request", pullRequest("synchronize"));
    expect(env.github.comments.map((c) => c.id)).toEqual([1]);
    expect(env.github.comments[0]!.body).toContain("| `staging` |");
  });

  it.each([
    { pods: 60, annotated: 180, batches: [0, 50, 50, 50, 30], capped: false },
    // Past 200 findings, the rest are counted in the summary: a big render cannot spend the write budget.
    { pods: 100, annotated: 200, batches: [0, 50, 50, 50, 50], capped: true },
  ])(
    "sends $annotated policy annotations for $pods pods, in batches of 50",
    async ({ pods: count, annotated, batches: expected, capped }) => {
      const trees = tempDir("capstan-many-");
      const { mkdirSync, writeFileSync, cpSync } = await import("node:fs");
      try {
        cpSync(fixtureRepo("shop", "base"), `${trees.dir}/base`, { recursive: true });
        cpSync(fixtureRepo("shop", "base"), `${trees.dir}/head`, { recursive: true });
        mkdirSync(`${trees.dir}/head/platform/pods`);
        const pods = Array.from(
          { length: count },
          (_, i) =>
            `apiVersion: v1\nkind: Pod\nmetadata: {name: p-${i}, namespace: platform}\nspec:\n  containers: [{name: c, image: nginx}]\n`,
        );
        writeFileSync(`${trees.dir}/head/platform/pods/pods.yaml`, pods.join("---\n"));
        env.github.serveTree(BASE, `${trees.dir}/base`);
        env.github.serveTree(HEAD, `${trees.dir}/head`);
        env.github.prHeads.set(PR, { head: HEAD, base: BASE });
        await deliver("pull_request", pullRequest("opened"));
        const policy = env.github.checkRuns.find((r) => r.name === POLICY_CHECK)!;
        expect(policy.conclusion).toBe("failure");
        // Three rules fire on each pod: image-tag, run-as-non-root and resources.
        expect(policy.output.annotations).toHaveLength(annotated);
        expect(policy.output.summary?.includes(`The first 200 of ${count * 3} findings are annotated`)).toBe(
          capped,
        );
        const batches = env.sent
          .filter((r) => r.path.includes("/check-runs"))
          .map(
            (r) =>
              (r.body as { output?: { annotations?: unknown[] } } | undefined)?.output?.annotations?.length,
          );
        expect(batches.filter((n) => n !== undefined)).toEqual(expected);
      } finally {
        trees.remove();
      }
    },
  );

  it("retries a write refused by the secondary rate limit, and survives GitHub's 5xx", async () => {
    env.github.serveTree(BASE, fixtureRepo("shop", "base"));
    env.github.serveTree(HEAD, fixtureRepo("shop", "head"));
    env.github.prHeads.set(PR, { head: HEAD, base: BASE });
    env.github.failures.push({
      method: "POST",
      path: "/repos/Codertocat/Hello-World/issues/2/comments",
      status: 403,
      headers: { "retry-after": "1" },
      times: 1,
    });
    await deliver("pull_request", pullRequest("opened"));
    expect(env.github.comments).toHaveLength(1);

    env.github.failures.push({
      method: "GET",
      path: "/repos/Codertocat/Hello-World/issues/2/comments",
      status: 502,
      times: 1,
    });
    await deliver("pull_request", pullRequest("synchronize"), "delivery-2");
    // The failed job is logged and dropped; the next delivery works.
    await deliver("pull_request", pullRequest("synchronize"), "delivery-3");
    expect(env.github.comments).toHaveLength(1);
    expect(env.github.checkRuns).toHaveLength(2);
  });
});
