// The drift sweep of one environment against the real cluster, with GitHub mocked: a hand edit becomes one
// issue once it lasts, an unchanged check writes nothing, and setting it back closes the issue. The state
// is on the environment's parent, so a fresh process carries on.
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { putToolsOnPath } from "../../scripts/tools-bin.js";
import { connectKubeconfig, type DriftCache, readDriftState } from "../../src/cluster/index.js";
import { parseConfig } from "../../src/config/index.js";
import { deployEnvironment } from "../../src/flows/deploy.js";
import { type HealSettings, sweepEnvironmentDrift } from "../../src/flows/drift-sweep.js";
import { Pacer } from "../../src/github/pacer.js";
import { defaultRenderOptions, renderEnvironment } from "../../src/render/index.js";
import { tempDir } from "../helpers/fixtures.js";
import { validatingRest } from "../helpers/github.js";
import { GitHubState } from "../helpers/github-state.js";
import { OWNER, REPO } from "../helpers/webhooks.js";
import { mockGitHubOnly } from "./app-harness.js";

describe("the drift sweep of an environment", () => {
  mockGitHubOnly();
  const bin = putToolsOnPath();
  const kubeconfig = inject("kubeconfig");
  const ns = `sweep-${Date.now().toString(36)}`;
  const work = tempDir("capstan-sweep-");
  const sha = "d".repeat(40);
  const config = `environments:\n  - name: shop\n    path: deploy\n    renderer: plain\n    cluster: test\n    namespace: ${ns}\n    drift: {grace: 1m}\n`;
  const files: Record<string, string> = {
    ".github/capstan.yml": config,
    "deploy/web.yaml": `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: registry.invalid/web:1\n`,
  };
  const kubectl = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(join(bin, "kubectl"), ["--kubeconfig", kubeconfig, "-n", ns, ...args], (err, out, stderr) =>
        err ? reject(new Error(stderr)) : resolve(out),
      ),
    );
  afterAll(async () => {
    await kubectl("delete", "namespace", ns, "--wait=false").catch(() => {});
    work.remove();
  });

  it("opens one issue for a lasting hand edit, writes nothing while it is unchanged, closes it once set back; a refused heal fails its Deployment, says so, and backs off", async () => {
    const github = new GitHubState();
    const root = join(work.dir, "tree", "repo");
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    github.serveTree(sha, root);
    const writes: string[] = [];
    const octokit = validatingRest(writes);
    const cluster = connectKubeconfig(kubeconfig);
    const environment = parseConfig(config).environments[0]!;
    const { manifests } = await renderEnvironment(root, environment, defaultRenderOptions());
    await kubectl("create", "namespace", ns).catch(() => {});
    const deployed = await deployEnvironment({ cluster, environment, manifests, revision: sha, wait: false });
    expect(deployed.sync.succeeded).toBe(true);

    const t0 = Date.now();
    // One check at minute `minutes`, as the server's sweep makes it.
    const check = (
      minutes: number,
      options: { cache?: DriftCache; environment?: typeof environment; heal?: HealSettings } = {},
    ) =>
      sweepEnvironmentDrift({
        octokit,
        pacer: new Pacer({
          spacingMs: 0,
          perHour: 480,
          retries: 0,
          fallbackWaitMs: 0,
          sleep: async () => {},
        }),
        log: { info: () => {}, error: () => {} },
        repo: { owner: OWNER, repo: REPO },
        environment: options.environment ?? environment,
        cluster,
        cacheDir: join(work.dir, "cache"),
        render: defaultRenderOptions(),
        cache: options.cache ?? new Map(),
        now: new Date(t0 + minutes * 60_000),
        ...(options.heal ? { heal: options.heal } : {}),
      });
    const sweep = (minutes: number, cache: DriftCache = new Map()) => check(minutes, { cache });

    expect((await sweep(0))?.edge).toBe("none");
    await kubectl("set", "image", "deployment/web", "web=registry.invalid/web:2");
    expect((await sweep(1))?.edge).toBe("suspected");
    expect(writes).toEqual([]);
    const cache = new Map();
    expect((await sweep(3, cache))?.edge).toBe("appeared");
    expect(github.issues.map((i) => [i.title, i.state])).toEqual([["Drift: shop (test)", "open"]]);
    const number = github.issues[0]!.number;
    expect(github.issues[0]!.body).toContain(
      "`spec.template.spec.containers[name=web].image` | `kubectl-set (Update)",
    );
    expect(await readDriftState(cluster, "shop", ns)).toMatchObject({ confirmed: true, issue: number });

    writes.length = 0;
    expect((await sweep(13, cache))?.edge).toBe("none");
    expect(writes).toEqual([]);

    // Another process, with no cache of its own: the parent's state says the issue is open.
    await kubectl("set", "image", "deployment/web", "web=registry.invalid/web:1");
    expect((await sweep(20))?.edge).toBe("resolved");
    expect(writes).toEqual([`POST issues/${number}/comments`, `PATCH issues/${number}`]);
    expect(github.issues[0]!.state).toBe("closed");
    expect(await readDriftState(cluster, "shop", ns)).toEqual({ issue: number });

    // In heal mode, a heal the cluster refuses: a failed Deployment of the synced revision, a comment,
    // and a backoff, during which the next check heals nothing.
    const healing = { ...environment, drift: { ...environment.drift, mode: "heal" as const } };
    const heal = {
      branchHead: async () => sha,
      // A bounded grant without the repository's identity: the deploy refuses before writing anything.
      reach: { cluster: "test", namespaces: [ns], clusterScoped: [] },
      perDay: 6,
      intervalMs: 10 * 60_000,
    };
    const healSweep = (minutes: number) => check(minutes, { environment: healing, heal });
    await kubectl("set", "image", "deployment/web", "web=registry.invalid/web:3");
    expect((await healSweep(30))?.edge).toBe("suspected");
    const failed = await healSweep(33);
    expect(failed?.edge).toBe("appeared");
    expect(failed?.healed).toMatchObject({
      ok: false,
      message: expect.stringContaining("re-applying ddddddd failed"),
    });
    expect(github.deployments.map((d) => [d.task, d.ref, d.statuses.map((x) => x.state).join(">")])).toEqual([
      ["deploy:heal", sha, "in_progress>failure"],
    ]);
    expect(github.commentsOn(number).at(-1)?.body).toMatch(
      /^Heal failed: re-applying ddddddd failed: .+ Capstan tries again after /,
    );
    expect((await readDriftState(cluster, "shop", ns)).heal).toMatchObject({ count: 1, failures: 1 });
    // Two minutes later: still backing off (20 minutes), so no second Deployment.
    expect((await healSweep(35))?.healed).toBeUndefined();
    expect(github.deployments).toHaveLength(1);
    expect(
      await kubectl("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"),
    ).toBe("registry.invalid/web:3");
  });
});
