import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { parseServerConfig } from "../../src/config/index.js";
import { type AppDeps, createDeps } from "../../src/handlers/deps.js";
import { createApp } from "../../src/index.js";
import { fixtureRepo, fixtureSecretValues, tempDir } from "../helpers/fixtures.js";
import { testProbot } from "../helpers/github.js";
import { GitHubState } from "../helpers/github-state.js";
import { sharedPreviewPool } from "../helpers/preview-pool.js";
import { examplePayload } from "../helpers/webhooks.js";
import { testCluster } from "./helpers.js";

const BASE = "a".repeat(40);
const HEAD = "b".repeat(40);
const PR = 2;
const silent = { info: () => {}, error: () => {} };

// `/preview live` end to end: GitHub mocked with nock, the cluster real.
describe("/preview live", () => {
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    const core = testCluster().core;
    await core.createNamespace({ body: { metadata: { name: "shop-staging" } } }).catch(() => undefined);
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  // Delivers `/preview live staging` to an app whose server config grants the repository as `grant` says.
  async function previewLive(grant: string) {
    const cache = tempDir("capstan-cache-");
    try {
      const server = parseServerConfig(
        `clusters:\n  staging:\n    kubeconfig: ${inject("kubeconfig")}\n  production:\n    kubeconfig: ${inject("kubeconfig")}\nrepositories:\n  Codertocat/Hello-World:\n    clusters:\n${grant}`,
        "server.yml",
      );
      const deps: AppDeps = createDeps(silent, {
        previewPool: sharedPreviewPool(),
        pacer: { spacingMs: 0, sleep: async () => {} },
        cacheDir: cache.dir,
        server,
      });
      const { probot, invalid, sent } = testProbot(createApp(deps));
      const github = new GitHubState();
      github.serveTree(HEAD, fixtureRepo("shop", "head"));
      github.prHeads.set(PR, { head: HEAD, base: BASE });
      github.permissions.set("octocat", "write");
      const payload = examplePayload("issue_comment", "created", {
        issue: { number: PR, pull_request: { url: "x" } },
        comment: { id: 9, body: "/preview live staging" },
        sender: { login: "octocat", type: "User" },
      });
      await probot.receive({ name: "issue_comment", id: "live", payload } as never);
      await deps.queue.idle();
      expect(invalid).toEqual([]);
      for (const value of fixtureSecretValues())
        expect(JSON.stringify(sent.map((r) => r.body))).not.toContain(value);
      return { github, body: github.comments.map((c) => c.body).join("\n") };
    } finally {
      cache.remove();
    }
  }

  it("replies with what the head would change in the environment's cluster, Secrets masked", async () => {
    const { github, body } = await previewLive(
      '      - name: staging\n        namespaces: ["shop-*"]\n      - production\n',
    );
    expect(github.reactions.map((r) => r.content)).toEqual(["eyes", "rocket"]);
    expect(body).toContain("Live diff: what syncing bbbbbbb would change in each cluster now");
    expect(body).toContain("| `staging` | kustomize | +5 | ~0 | −0 | 0 |");
    expect(body).toContain("<code>+ Deployment/shop-staging/api</code>");
    // The objects were only dry-run: nothing was created.
    const live = await testCluster().core.listNamespacedConfigMap({ namespace: "shop-staging" });
    expect(live.items.filter((c) => c.metadata?.name !== "kube-root-ca.crt")).toEqual([]);
  });

  it("says what a sync would refuse under the server config's bounds: here a namespace made by hand", async () => {
    const { body } = await previewLive("      - staging\n      - production\n");
    expect(body).toContain(
      "the environment's namespace shop-staging exists on cluster staging and was not created by Capstan for this repository; the server config must grant it (namespaces) (the server config's bounds)",
    );
  });
});
