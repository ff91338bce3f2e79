// Level-triggered reconciliation, end to end: the real server process (`src/main.ts`, configured by its
// environment only), the real test cluster, GitHub mocked behind a loopback proxy. Webhooks are lost on
// purpose, live objects are edited with kubectl, and the server is killed with SIGKILL mid-deploy; the
// sweeps (every 2 s here) must catch up each time, without duplicating anything on GitHub.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { putToolsOnPath } from "../../scripts/tools-bin.js";
import { connectKubeconfig, syncedRevision } from "../../src/cluster/index.js";
import { tempDir } from "../helpers/fixtures.js";
import { GitHubState } from "../helpers/github-state.js";
import {
  type GitHubProxy,
  githubProxy,
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { examplePayload, OWNER, pushPayload, REPO, REPOSITORY_ID } from "../helpers/webhooks.js";
import { mockGitHubOnly, sha } from "./app-harness.js";

const suffix = Date.now().toString(36);
const NS = { staging: `rc-staging-${suffix}`, production: `rc-production-${suffix}` };

const config = `environments:
  - name: staging
    path: deploy/staging
    renderer: plain
    cluster: test
    namespace: ${NS.staging}
    healthTimeout: 90s
    drift: {grace: 1s}
  - name: production
    path: deploy/production
    renderer: plain
    cluster: test
    namespace: ${NS.production}
    healthTimeout: 90s
    drift: {grace: 1s, mode: heal}
`;

function web(image: string, extra = ""): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1${extra}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ${image}
`;
}

const settings = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: calm\n";

function tree(staging: string, production: string, productionExtra = ""): Record<string, string> {
  return {
    ".github/capstan.yml": config,
    "deploy/staging/web.yaml": web(staging),
    "deploy/staging/settings.yaml": settings,
    "deploy/production/web.yaml": web(production, productionExtra),
  };
}

// What the server and GitHub looked like when a wait timed out, so a failure says why.
let snapshot: () => string = () => "";

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 90_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${snapshot()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("reconciliation by the real server process", () => {
  mockGitHubOnly();
  const bin = putToolsOnPath();
  const kubeconfig = inject("kubeconfig");
  const cluster = connectKubeconfig(kubeconfig);
  const work = tempDir("capstan-reconcile-");
  const github = new GitHubState();
  let proxy: GitHubProxy;
  let server: ServerProcess;
  const owner = { id: REPOSITORY_ID, name: `${OWNER}/${REPO}` };
  const A = sha("a");
  const B = sha("b");
  const C = sha("c");
  const kubectl = (ns: string, args: string[], env: Record<string, string> = {}) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        join(bin, "kubectl"),
        ["--kubeconfig", kubeconfig, "-n", ns, ...args],
        { env: { ...process.env, ...env } },
        (err, out, stderr) => (err ? reject(new Error(stderr)) : resolve(out)),
      ),
    );
  const commit = (id: string, files: Record<string, string>) =>
    github.serveFiles(id, join(work.dir, id, "repo"), files);
  const deploymentsOf = (ref: string, environment: string, task = "deploy") =>
    github.deployments.filter((d) => d.ref === ref && d.environment === environment && d.task === task);
  const finished = (ref: string, environment: string, task = "deploy") =>
    deploymentsOf(ref, environment, task).some((d) => d.statuses.at(-1)?.state === "success");
  const start = () =>
    startServerProcess({
      proxy,
      config: join(work.dir, "server.yml"),
      cacheDir: join(work.dir, "cache"),
    });
  const image = async (ns: string) =>
    kubectl(ns, ["get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"]);
  const issue = (environment: string) =>
    github.issues.find((i) => i.title === `Drift: ${environment} (test)`);
  const driftChecks = (environment: string) =>
    server.logs.filter((l) => l.msg === "drift checked" && l.environment === environment).length;

  beforeAll(async () => {
    snapshot = () =>
      [
        ...github.deployments.map(
          (d) =>
            `deployment ${d.id} ${d.task} ${d.environment}@${d.ref.slice(0, 1)}: ${d.statuses.map((s) => `${s.state} (${s.description})`).join(" > ")}`,
        ),
        ...github.issues.map((i) => `issue ${i.number} ${i.title} ${i.state}`),
        ...server.logs.slice(-40).map((l) => JSON.stringify(l).slice(0, 400)),
      ].join("\n");
    proxy = await githubProxy();
    writeFileSync(
      join(work.dir, "server.yml"),
      `clusters:\n  test:\n    kubeconfig: ${kubeconfig}\nrepositories:\n  Codertocat/Hello-World:\n    clusters: [test]\nreconcile:\n  repositories: 2s\n  behind: 2s\n  previews: 2s\n  drift: 2s\n`,
    );
    commit(A, tree("registry.invalid/web:1", "registry.invalid/web:1"));
    github.files.set(".github/capstan.yml", config);
    github.branches.set("main", A);
    server = await start();
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await proxy?.stop();
    for (const ns of Object.values(NS))
      await kubectl(ns, ["delete", "namespace", ns, "--wait=false"]).catch(() => {});
    work.remove();
  });

  it("deploys a push whose webhook never arrived", async () => {
    await until("both environments at A", async () => {
      const revisions = await Promise.all(
        (["staging", "production"] as const).map((env) =>
          syncedRevision(cluster, env, NS[env], owner).catch(() => undefined),
        ),
      );
      return revisions.every((r) => r === A) && finished(A, "staging") && finished(A, "production");
    });
    expect(deploymentsOf(A, "staging")).toHaveLength(1);
    expect(deploymentsOf(A, "production")).toHaveLength(1);
    expect(proxy.invalid).toEqual([]);
  });

  it("previews a pull request whose webhook never arrived", async () => {
    commit(B, tree("registry.invalid/web:2", "registry.invalid/web:1"));
    github.prHeads.set(7, { head: B, base: A });
    const comment = await until("the preview comment on #7", () =>
      github.commentsOn(7).find((c) => c.body.includes("<!-- capstan:preview part=1 -->")),
    );
    expect(comment.body).toContain("registry.invalid/web:2");
    await until("both checks of B", () => github.checkRuns.filter((r) => r.head_sha === B).length >= 2);
    expect(
      github.checkRuns
        .filter((r) => r.head_sha === B)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["capstan/diff", "capstan/policy"]);
  });

  it("reports a kubectl edit and a kubectl delete on one issue naming the tool, writes nothing while unchanged, and closes it when they are set back", async () => {
    const ns = NS.staging;
    // A write through /scale (what an HPA makes; drift.test.ts has the HPA itself) and the apiserver's
    // defaults are no drift. The HPA is not deployed here: without a metrics server its health is Degraded.
    await kubectl(ns, ["scale", "deployment/web", "--replicas=3"]);
    const saved = JSON.parse(await kubectl(ns, ["get", "configmap", "settings", "-o", "json"])) as {
      metadata: Record<string, unknown>;
      data: Record<string, string>;
    };
    await kubectl(ns, ["edit", "deployment/web"], {
      KUBE_EDITOR: "sed -i s#registry.invalid/web:1#registry.invalid/web:hotfix#",
    });
    await kubectl(ns, ["delete", "configmap", "settings"]);
    const opened = await until("the staging drift issue and its first comment", () => {
      const found = issue("staging");
      return found?.state === "open" && github.commentsOn(found.number).length > 0 ? found : undefined;
    });
    expect(github.commentsOn(opened.number).map((c) => c.body)).toEqual([
      "Drift found: 2 objects of `staging` differ from `aaaaaaaaaaaa`.",
    ]);
    expect(opened.labels).toEqual(["capstan:drift"]);
    expect(opened.body).toContain(`| \`ConfigMap/${ns}/settings\` | deleted live |`);
    expect(opened.body).toMatch(
      /`spec\.template\.spec\.containers\[name=web\]\.image` \| `kubectl-edit \(Update\)/,
    );
    expect(opened.body).toContain("+ registry.invalid/web:hotfix");
    expect(opened.body).not.toContain("replicas");
    expect(github.issues.filter((i) => i.title === "Drift: staging (test)")).toHaveLength(1);

    // Two more checks find the same: nothing is written to GitHub.
    const writes = () => proxy.sent.filter((r) => r.method !== "GET" && r.path.includes(`/issues`)).length;
    const before = writes();
    const checks = driftChecks("staging");
    await until("two more drift checks", () => driftChecks("staging") >= checks + 2);
    expect(proxy.sent.filter((r) => r.method !== "GET" && r.path.includes("/issues")).slice(before)).toEqual(
      [],
    );

    await kubectl(ns, ["edit", "deployment/web"], {
      KUBE_EDITOR: "sed -i s#registry.invalid/web:hotfix#registry.invalid/web:1#",
    });
    const { name, namespace, labels, annotations } = saved.metadata;
    const restore = join(work.dir, "settings.json");
    writeFileSync(
      restore,
      JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace, labels, annotations },
        data: saved.data,
      }),
    );
    await kubectl(ns, ["create", "-f", restore]);
    const closed = await until("the staging issue closed", () =>
      issue("staging")?.state === "closed" ? issue("staging") : undefined,
    );
    expect(github.commentsOn(closed.number).at(-1)?.body).toContain(
      "changed back by hand or by another tool",
    );
  });

  it("heals an environment in heal mode: the edit is undone, a Deployment records it, the issue closes", async () => {
    const ns = NS.production;
    await kubectl(ns, ["edit", "deployment/web"], {
      KUBE_EDITOR: "sed -i s#registry.invalid/web:1#registry.invalid/web:hotfix#",
    });
    await until("the heal's Deployment", () => finished(A, "production", "deploy:heal"));
    expect(await image(ns)).toBe("registry.invalid/web:1");
    const healed = await until("the production issue closed", () =>
      issue("production")?.state === "closed" ? issue("production") : undefined,
    );
    const comments = github.commentsOn(healed.number).map((c) => c.body);
    expect(comments[0]).toContain("Drift found: 1 object");
    expect(comments.at(-1)).toContain("healed by Capstan: re-applied aaaaaaa");
    expect(deploymentsOf(A, "production", "deploy:heal")).toHaveLength(1);
  });

  it("converges after a kill -9 mid-deploy: one Deployment per revision, no duplicate issue or revert", async () => {
    // minReadySeconds holds the health wait open long enough to kill the server inside it.
    commit(C, tree("registry.invalid/web:3", "registry.invalid/web:3", "\n  minReadySeconds: 15"));
    github.branches.set("main", C);
    expect(await server.deliver("push", "push-c", pushPayload(A, C, "Merge", "main"))).toBe(200);
    await until("production's deploy of C in progress", () =>
      deploymentsOf(C, "production").some((d) => d.statuses.at(-1)?.state === "in_progress"),
    );
    await server.kill();
    server = await start();
    await until(
      "both environments at C, their Deployments finished",
      async () =>
        (await syncedRevision(cluster, "production", NS.production, owner)) === C &&
        (await syncedRevision(cluster, "staging", NS.staging, owner)) === C &&
        finished(C, "staging") &&
        finished(C, "production"),
      150_000,
    );
    expect(deploymentsOf(C, "staging")).toHaveLength(1);
    expect(deploymentsOf(C, "production")).toHaveLength(1);
    // The cut-off Deployment itself was carried on, not replaced.
    expect(deploymentsOf(C, "production")[0]!.statuses.map((s) => s.description)).toContain(
      "Resumed after an interruption: syncing to cluster test",
    );
    expect(github.issues.filter((i) => i.title === "Drift: staging (test)")).toHaveLength(1);
    expect(github.issues.filter((i) => i.title === "Drift: production (test)")).toHaveLength(1);
    expect(github.openedPulls).toEqual([]);
    expect(await image(NS.production)).toBe("registry.invalid/web:3");
    expect(proxy.invalid).toEqual([]);
  }, 240_000);

  it("counts a preview, a deploy and a revert on /metrics", async () => {
    const D = sha("d");
    const crashing = web("registry.invalid/web:4", "\n  progressDeadlineSeconds: 5").replace(
      "labels: {app: web}\n    spec:",
      "labels: {app: web, capstan.test/fail: crashloop}\n    spec:",
    );
    commit(D, {
      ...tree("registry.invalid/web:3", "registry.invalid/web:3"),
      "deploy/production/web.yaml": crashing,
    });
    github.mergedPulls.set(D, { number: 21, title: "Break web", author: "mona", nodeId: "PR_d", labels: [] });
    github.prHeads.set(9, { head: B, base: A });
    const pr = examplePayload("pull_request", "opened", {
      number: 9,
      pull_request: { number: 9, base: { sha: A }, head: { sha: B } },
    });
    expect(await server.deliver("pull_request", "pr-9", pr)).toBe(200);
    github.branches.set("main", D);
    expect(await server.deliver("push", "push-d", pushPayload(C, D, "Break web", "main"))).toBe(200);
    await until(
      "the revert of D",
      () => github.graphql.find((g) => g.mutation === "revertPullRequest"),
      120_000,
    );
    await until("the deploy comment on #21", () => github.commentsOn(21).length > 0);
    // The preview is timed when it has published everything, which on a loaded machine can come last.
    // The behind sweep retries the failed revision every few seconds here, so the deploy queue is
    // read when it is between those jobs.
    const text = await until("the preview in /metrics, between deploy jobs", async () => {
      const scraped = await fetch(`${server.url}/metrics`).then((r) => r.text());
      return /^capstan_preview_duration_seconds_count\{outcome="posted"\} [1-9]/m.test(scraped) &&
        /^capstan_workqueue_depth\{queue="deploys"\} 0$/m.test(scraped)
        ? scraped
        : undefined;
    });
    const value = (line: string) =>
      Number(new RegExp(`^${line.replace(/[{}".=,/]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);
    const repository = 'repository="Codertocat/Hello-World"';
    expect(value('capstan_webhooks_received_total{event="push",outcome="accepted"}')).toBe(1);
    expect(value('capstan_webhooks_received_total{event="pull_request",outcome="accepted"}')).toBe(1);
    expect(value('capstan_preview_duration_seconds_count{outcome="posted"}')).toBeGreaterThanOrEqual(1);
    expect(value(`capstan_deployments_total{${repository},environment="production",result="failure"}`)).toBe(
      1,
    );
    expect(value(`capstan_revert_prs_opened_total{${repository}}`)).toBe(1);
    expect(
      value(`capstan_objects_applied_total{${repository},environment="production",action="configured"}`),
    ).toBeGreaterThanOrEqual(1);
    expect(value('capstan_render_duration_seconds_count{renderer="plain"}')).toBeGreaterThan(0);
    expect(value("capstan_health_wait_duration_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(value("capstan_leader")).toBe(1);
    expect(value('capstan_workqueue_depth{queue="deploys"}')).toBe(0);
    expect(value('capstan_github_requests_total{method="POST",status="201"}')).toBeGreaterThan(0);
    expect(text).toMatch(
      /^capstan_github_rate_limit_remaining|^capstan_drift_last_check_timestamp_seconds\{/m,
    );
    // Label values are bounded: no commit, pull request or object names.
    expect(text).not.toMatch(/dddddddd|#21|Deployment\//);
  }, 180_000);
});
