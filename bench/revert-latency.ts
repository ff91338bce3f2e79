// How long after a deploy goes bad Capstan asks GitHub for the revert: from the moment the Deployment's
// Progressing condition turns ProgressDeadlineExceeded (seen by a watch of our own) to the revertPullRequest
// request reaching GitHub (nock). The app, the cluster (its own, started here) and the health wait are the
// real ones, and so is the write pacing (1 s between writes to GitHub). Goal: ≤ 5 s.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig, type V1Deployment, Watch } from "@kubernetes/client-node";
import nock from "nock";
import { startOwnCluster } from "../scripts/cluster/own-cluster.js";
import { putToolsOnPath } from "../scripts/tools-bin.js";
import { parseServerConfig } from "../src/config/index.js";
import { createDeps } from "../src/handlers/deps.js";
import { createApp } from "../src/index.js";
import { testProbot } from "../test/helpers/github.js";
import { GitHubState } from "../test/helpers/github-state.js";
import { pushPayload } from "../test/helpers/webhooks.js";

const RUNS = 3;
putToolsOnPath();

const deployment = (fail: boolean) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n  progressDeadlineSeconds: 5\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api${fail ? ", capstan.test/fail: crashloop" : ""}}\n    spec:\n      containers:\n        - name: main\n          image: registry.invalid/api:1\n`;

// The moment (client clock) the Deployment's Progressing condition first says ProgressDeadlineExceeded.
function deadlineSeen(config: KubeConfig, namespace: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let abort: AbortController | undefined;
    void new Watch(config)
      .watch(
        `/apis/apps/v1/namespaces/${namespace}/deployments`,
        {},
        (_type, d: V1Deployment) => {
          const progressing = d.status?.conditions?.find((c) => c.type === "Progressing");
          if (progressing?.reason === "ProgressDeadlineExceeded") {
            resolve(Date.now());
            abort?.abort();
          }
        },
        (err) => err && err.name !== "AbortError" && reject(err),
      )
      .then((a) => {
        abort = a;
      });
  });
}

const work = mkdtempSync(join(tmpdir(), "capstan-bench-revert-"));
const own = startOwnCluster("capstan-bench-cluster-");
try {
  const { kubeconfig } = own;
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const delays: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const namespace = `revert-bench-${run}`;
    const github = new GitHubState();
    const server = parseServerConfig(
      `clusters:\n  test:\n    kubeconfig: ${kubeconfig}\nrepositories:\n  Codertocat/Hello-World:\n    clusters: [test]\n`,
      "server.yml",
    );
    const deps = createDeps(
      { info: () => {}, error: () => {} },
      { cacheDir: join(work, `cache-${run}`), server },
    );
    const { probot } = testProbot(createApp(deps));
    const push = async (before: string, after: string, fail: boolean) => {
      const dir = join(work, `${run}-${after.slice(0, 1)}`, "repo");
      mkdirSync(join(dir, ".github"), { recursive: true });
      mkdirSync(join(dir, "deploy"));
      writeFileSync(
        join(dir, ".github/capstan.yml"),
        `environments:\n  - name: production\n    path: deploy\n    namespace: ${namespace}\n    cluster: test\n`,
      );
      writeFileSync(join(dir, "deploy/app.yaml"), deployment(fail));
      github.serveTree(after, dir);
      github.branches.set("main", after);
      github.mergedPulls.set(after, {
        number: 5,
        title: "Change",
        author: "mona",
        nodeId: "PR_5",
        labels: [],
      });
      const payload = pushPayload(before, after);
      await probot.receive({ name: "push", id: `${run}-${after}`, payload } as never);
    };
    await push("0".repeat(40), "a".repeat(40), false);
    await deps.deploys.idle();
    const seen = deadlineSeen(config, namespace);
    await push("a".repeat(40), "b".repeat(40), true);
    const deadline = await seen;
    await deps.deploys.idle();
    const revert = github.graphql.find((g) => g.mutation === "revertPullRequest");
    if (!revert) throw new Error("no revert was requested");
    delays.push(revert.at - deadline);
    nock.cleanAll();
  }
  const sorted = [...delays].sort((a, b) => a - b);
  console.log(`\nProgressDeadlineExceeded → revertPullRequest request, ${RUNS} runs (goal ≤ 5000 ms)`);
  console.log(`  each: ${delays.map((d) => `${d} ms`).join(", ")}`);
  console.log(`  median ${sorted[Math.floor(sorted.length / 2)]} ms, worst ${sorted.at(-1)} ms`);
} finally {
  own.down();
  rmSync(work, { recursive: true, force: true });
}
