import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppDeps } from "../../src/handlers/deps.js";
import type { SentRequest } from "../helpers/github.js";
import type { GitHubState } from "../helpers/github-state.js";
import { pushPayload } from "../helpers/webhooks.js";
import { type AppHarness, appHarness, mockGitHubOnly, sha, ZERO } from "./app-harness.js";
import { testCluster } from "./helpers.js";

const SECRET_VALUE = "s3cr3t-deploy-token";

// Merging deploys; a deploy whose health fails is reverted by a PR. GitHub mocked with nock, the cluster real.
describe("deploy on merge, and the automatic revert", () => {
  let h: AppHarness;
  let github: GitHubState;
  let deps: AppDeps;
  let probot: AppHarness["probot"];
  let sent: SentRequest[];
  let ns: string;

  mockGitHubOnly();
  beforeEach(() => {
    ns = `merge-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  });
  afterEach(() => {
    nock.cleanAll();
    h.remove();
    expect(h.invalid).toEqual([]);
    // No request to GitHub (comments, Deployment statuses, the revert PR's body) carries a Secret value.
    const bodies = sent.map((r) => JSON.stringify(r.body ?? "")).join("\n");
    expect(bodies).not.toContain(SECRET_VALUE);
    expect(bodies).not.toContain(Buffer.from(SECRET_VALUE).toString("base64"));
  });

  function app(repositories = "Codertocat/Hello-World:\n    clusters: [test]") {
    h = appHarness(`  ${repositories}\n`);
    ({ github, deps, probot, sent } = h);
    github.branches.set("main", ZERO);
  }

  // A commit of the app's repository: one environment deploying `objects` to the test cluster.
  function commit(id: string, objects: string, extraConfig = "") {
    h.commit(id, {
      ".github/capstan.yml": `environments:\n  - name: production\n    path: deploy\n    namespace: ${ns}\n    cluster: test\n${extraConfig}`,
      "deploy/app.yaml": objects,
    });
  }
  const api = (replicas: number, fail = "") =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: ${replicas}\n  progressDeadlineSeconds: 5\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api${fail ? `, capstan.test/fail: ${fail}` : ""}}\n    spec:\n      containers:\n        - name: main\n          image: registry.invalid/api:1\n`;
  // A Secret rides along with every revision, changing with the settings, so each deploy applies it.
  const secret = (value: string) =>
    `---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  token: "${SECRET_VALUE}-${value}"\n`;
  const settings = (value: string) =>
    `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;

  async function push(before: string, after: string, id = `push-${after.slice(0, 3)}`, message = "Merge") {
    github.branches.set("main", after);
    const payload = pushPayload(before, after, message);
    await probot.receive({ name: "push", id, payload } as never);
    await deps.deploys.idle();
  }
  const states = () =>
    github.deployments.map(
      (d) => `${d.environment}@${d.ref.slice(0, 1)}: ${d.statuses.map((s) => s.state).join(">")}`,
    );
  const replicasLive = async () =>
    (await testCluster().apps.readNamespacedDeployment({ namespace: ns, name: "api" })).spec?.replicas;

  it("deploys a healthy merge, reverts a crashlooping one, and the revert's merge heals the cluster", async () => {
    app();
    commit("a", api(2) + settings("1"));
    await push(ZERO, sha("a"));
    expect(states()).toEqual(["production@a: queued>in_progress>success"]);
    expect(await replicasLive()).toBe(2);

    // A healthy change, merged from PR #10.
    commit("b", api(3) + settings("2") + secret("2"));
    github.mergedPulls.set(sha("b"), {
      number: 10,
      title: "Scale api",
      author: "octocat",
      nodeId: "PR_b",
      labels: [],
    });
    await push(sha("a"), sha("b"));
    expect(states().at(-1)).toBe("production@b: queued>in_progress>success");
    expect(github.deployments.at(-1)!.statuses.at(-1)!.description).toMatch(
      /^Healthy: 3 applied, 0 unchanged, 0 pruned in \d+ s$/,
    );
    expect(await replicasLive()).toBe(3);
    const deployed = github.comments.at(-1)!.body;
    expect(deployed).toContain(`### ✅ Capstan deployed \`bbbbbbb\``);
    expect(deployed).toMatch(/\| \[`production`\]\(.+\) \| deployed \| 3 \| 0 \| 0 \| Healthy \| \d+ s \|/);

    // PR #11 makes the pods crashloop: Degraded, a failed Deployment, and one revert of #11.
    commit("c", api(3, "crashloop") + settings("2") + secret("2"), "    revert:\n      autoMerge: true\n");
    github.mergedPulls.set(sha("c"), {
      number: 11,
      title: "Break api",
      author: "mona",
      nodeId: "PR_c",
      labels: [],
    });
    await push(sha("b"), sha("c"));
    expect(states().at(-1)).toBe("production@c: queued>in_progress>failure");
    expect(github.deployments.at(-1)!.statuses.at(-1)!.description).toMatch(
      new RegExp(`^Degraded: Deployment/${ns}/api: Degraded \\(.*progress deadline`),
    );
    const revert = github.openedPulls[0]!;
    expect(github.graphql.map((g) => [g.mutation, g.input.pullRequestId])).toEqual([
      ["revertPullRequest", "PR_c"],
      ["enablePullRequestAutoMerge", revert.nodeId],
    ]);
    expect(revert.title).toBe('Revert "Break api"');
    expect(revert.labels).toEqual(["capstan:revert"]);
    expect(revert.body).toContain("@mona");
    expect(revert.body).toMatch(new RegExp(`- \`Deployment/${ns}/api: Degraded \\(.*\\)\``));
    expect(revert.body).toContain(
      "[failing deployment](https://github.com/Codertocat/Hello-World/deployments)",
    );
    expect(revert.body).toContain(`<!-- capstan:revert-of ${sha("c")} -->`);
    const failed = github.comments.at(-1)!.body;
    expect(failed).toContain("### ❌ Capstan deployed `ccccccc`");
    expect(failed).toContain(
      `Health failed, so Capstan opened a revert: #${revert.number} (https://github.com/Codertocat/Hello-World/pull/${revert.number}).`,
    );
    expect(failed).toContain("Auto-merge is on for the revert.");

    // The same delivery again deploys nothing and reverts nothing.
    const deploymentsBefore = github.deployments.length;
    await push(sha("b"), sha("c"));
    expect(github.deployments).toHaveLength(deploymentsBefore);
    expect(github.graphql).toHaveLength(2);

    // The revert merges (its tree is b's): deployed again, Healthy, and no revert of the revert.
    commit("d", api(3) + settings("2") + secret("2"));
    github.mergedPulls.set(sha("d"), {
      number: revert.number,
      title: revert.title,
      author: "capstan[bot]",
      nodeId: revert.nodeId,
      labels: ["capstan:revert"],
    });
    await push(sha("c"), sha("d"));
    expect(states().at(-1)).toBe("production@d: queued>in_progress>success");
    expect(github.graphql).toHaveLength(2);
    const live = await testCluster().apps.readNamespacedDeployment({ namespace: ns, name: "api" });
    expect(live.spec?.template.metadata?.labels?.["capstan.test/fail"]).toBeUndefined();
    expect(live.status?.availableReplicas).toBe(3);

    // A push that changes nothing this environment renders makes no Deployment at all.
    commit("e", api(3) + settings("2") + secret("2"));
    await push(sha("d"), sha("e"));
    expect(github.deployments).toHaveLength(deploymentsBefore + 1);
    for (const d of github.deployments)
      for (const s of d.statuses) expect(s.description.length).toBeLessThanOrEqual(140);
    expect(
      sent.filter((r) => r.method === "POST" && r.path.endsWith("/deployments")).map((r) => r.body),
    ).toContainEqual(
      expect.objectContaining({ auto_merge: false, required_contexts: [], environment: "production" }),
    );
  });

  it("does not revert a commit that is itself a Capstan revert, nor where reverts are off", async () => {
    app();
    commit("a", api(1));
    await push(ZERO, sha("a"));
    commit("b", api(1, "crashloop"));
    github.mergedPulls.set(sha("b"), {
      number: 20,
      title: "Revert x",
      author: "capstan[bot]",
      nodeId: "PR_r",
      labels: ["capstan:revert"],
    });
    await push(sha("a"), sha("b"));
    expect(states().at(-1)).toBe("production@b: queued>in_progress>failure");
    expect(github.comments.at(-1)!.body).toContain("Not reverting bbbbbbb: it is itself a Capstan revert.");

    // An environment that turned reverts off is only reported.
    commit("c", api(2, "crashloop"), "    revert:\n      enabled: false\n");
    github.mergedPulls.set(sha("c"), {
      number: 21,
      title: "More",
      author: "mona",
      nodeId: "PR_m",
      labels: [],
    });
    await push(sha("b"), sha("c"));
    expect(states().at(-1)).toBe("production@c: queued>in_progress>failure");
    expect(github.comments.at(-1)!.body).toContain(
      "Not reverting ccccccc: reverts are disabled for these environments.",
    );
    expect(github.graphql).toEqual([]);
  });

  it("does not revert a commit the branch has moved on from", async () => {
    app();
    commit("a", api(1));
    await push(ZERO, sha("a"));
    commit("b", api(1, "crashloop"));
    github.mergedPulls.set(sha("b"), {
      number: 30,
      title: "Break",
      author: "mona",
      nodeId: "PR_x",
      labels: [],
    });
    github.scope
      .get(`/repos/Codertocat/Hello-World/branches/main`)
      .reply(200, { name: "main", commit: { sha: sha("f") } });
    const payload = pushPayload(sha("a"), sha("b"));
    github.branches.set("main", sha("f"));
    await probot.receive({ name: "push", id: "moved", payload } as never);
    await deps.deploys.idle();
    expect(states().at(-1)).toBe("production@b: queued>in_progress>failure");
    expect(github.graphql).toEqual([]);
    expect(github.comments.at(-1)!.body).toContain(
      "Not reverting bbbbbbb: main has moved on to fffffff, which will deploy next.",
    );
  });

  it("marks a running deploy errored when the server stops, and reverts nothing", async () => {
    app();
    commit("a", api(2, "never-ready"));
    github.mergedPulls.set(sha("a"), {
      number: 50,
      title: "Slow",
      author: "mona",
      nodeId: "PR_s",
      labels: [],
    });
    github.branches.set("main", sha("a"));
    await probot.receive({ name: "push", id: "stopping", payload: pushPayload(ZERO, sha("a")) } as never);
    // Stop once the deploy is waiting for health: its sync has recorded the revision on the parent (a
    // fixed pause after the Deployment went in_progress was not enough on a loaded machine).
    const synced = async () =>
      (
        await testCluster()
          .core.readNamespacedConfigMap({ namespace: ns, name: "capstan-production" })
          .catch(() => undefined)
      )?.metadata?.annotations?.["capstan.dev/revision"] === sha("a");
    for (let i = 0; i < 300 && !(await synced()); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 200));
    deps.shutdown.abort("Capstan is shutting down");
    await deps.deploys.idle();
    // `error`, not `failure`: the sweep after a restart carries this Deployment on.
    expect(states()).toEqual(["production@a: queued>in_progress>error"]);
    expect(github.deployments[0]!.statuses.at(-1)!.description).toBe(
      "Sync failed: the health wait stopped: Capstan is shutting down",
    );
    expect(github.graphql).toEqual([]);
  });

  it("fails the Deployment and applies nothing for a cluster the server does not allow", async () => {
    app("someone/else:\n    clusters: [test]");
    commit("a", api(1));
    github.mergedPulls.set(sha("a"), {
      number: 40,
      title: "First",
      author: "mona",
      nodeId: "PR_f",
      labels: [],
    });
    await push(ZERO, sha("a"));
    expect(states()).toEqual(["production@a: queued>in_progress>failure"]);
    expect(github.deployments[0]!.statuses.at(-1)!.description).toBe(
      'Not deployed: cluster "test" is not allowed for Codertocat/Hello-World by the server config',
    );
    await expect(
      testCluster().apps.readNamespacedDeployment({ namespace: ns, name: "api" }),
    ).rejects.toThrow();
    expect(github.comments.at(-1)!.body).toContain(
      "| [`production`](https://github.com/Codertocat/Hello-World/deployments) | not deployed |",
    );
  });
});
