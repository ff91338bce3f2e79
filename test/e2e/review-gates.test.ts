import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { clipDescription } from "../../src/github/deployments.js";
import { type AppHarness, appHarness, capstanConfig, mockGitHubOnly, sha, ZERO } from "./app-harness.js";
import { testCluster, testNamespace } from "./helpers.js";

const GRANT = "  Codertocat/Hello-World:\n    clusters: [test]\n";
const cm = (name: string, value: string, namespace?: string) =>
  `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ""}data:\n  value: "${value}"\n`;
const binding = `---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: capstan-gates-admin\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: ServiceAccount, name: default, namespace: default}]\n`;

// Only review on the deploy branch decides what a cluster runs, and only within what the operator allows.
// The real app and the real cluster, GitHub mocked with nock.
describe("review gates every cluster write", () => {
  let h: AppHarness;
  let ns: string;
  mockGitHubOnly();
  beforeEach(() => {
    ns = `gate-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  });
  afterEach(() => {
    nock.cleanAll();
    expect(h.invalid).toEqual([]);
    h.remove();
  });

  const states = () =>
    h.github.deployments.map((d) => `${d.environment}@${d.ref.slice(0, 1)}: ${d.statuses.at(-1)?.state}`);
  const lastStatus = () => h.github.deployments.at(-1)!.statuses.at(-1)!.description;
  const liveValue = async (name: string, namespace = ns) =>
    (await testCluster().core.readNamespacedConfigMap({ namespace, name })).data?.value;
  const exists = (read: () => Promise<unknown>) =>
    read().then(
      () => true,
      () => false,
    );
  const fetched = (id: string) => h.sent.some((r) => r.path.includes(`/tarball/${sha(id)}`));

  it("a pushed branch whose own config claims production deploys nothing; the default branch still deploys", async () => {
    h = appHarness(GRANT);
    const production = ["name: production", "path: deploy", `namespace: ${ns}`, "cluster: test"];
    h.commit("a", {
      ".github/capstan.yml": capstanConfig(production),
      "deploy/app.yaml": cm("app", "reviewed"),
    });
    await h.push(ZERO, sha("a"));
    expect(states()).toEqual(["production@a: success"]);
    expect(await liveValue("app")).toBe("reviewed");
    const before = (await testCluster().core.readNamespacedConfigMap({ namespace: ns, name: "app" })).metadata
      ?.resourceVersion;

    // A writer pushes `hotfix`, whose own config says production deploys from hotfix.
    h.commit("b", {
      ".github/capstan.yml": capstanConfig([...production, "branch: hotfix", "prune: true"]),
      "deploy/app.yaml": cm("app", "unreviewed") + cm("extra", "unreviewed"),
    });
    await h.push(ZERO, sha("b"), "hotfix");
    expect(states()).toEqual(["production@a: success"]);
    expect(await liveValue("app")).toBe("reviewed");
    const after = (await testCluster().core.readNamespacedConfigMap({ namespace: ns, name: "app" })).metadata
      ?.resourceVersion;
    expect(after).toBe(before);
    expect(
      await exists(() => testCluster().core.readNamespacedConfigMap({ namespace: ns, name: "extra" })),
    ).toBe(false);
    // Its tree is not even fetched: deploy authority comes from main's config alone.
    expect(fetched("b")).toBe(false);
    expect(h.logged).toContain("push not deployed: no environment of the config on main deploys from hotfix");
    // Nor is the branch's previous commit, on its next push.
    h.commit("f", {
      ".github/capstan.yml": capstanConfig([...production, "branch: hotfix"]),
      "deploy/app.yaml": cm("app", "unreviewed-2"),
    });
    await h.push(sha("b"), sha("f"), "hotfix");
    expect(fetched("b") || fetched("f")).toBe(false);
    expect(await liveValue("app")).toBe("reviewed");

    // The default branch still deploys the next reviewed change.
    h.commit("c", {
      ".github/capstan.yml": capstanConfig(production),
      "deploy/app.yaml": cm("app", "reviewed-2"),
    });
    await h.push(sha("a"), sha("c"));
    expect(states()).toEqual(["production@a: success", "production@c: success"]);
    expect(await liveValue("app")).toBe("reviewed-2");
  });

  it("a branch the default branch's config allows is refused by a cluster pinned to the default branch, and deploys once the pin allows it", async () => {
    const staging = ["name: staging", "path: deploy", `namespace: ${ns}`, "cluster: test", "branch: release"];
    const files = { ".github/capstan.yml": capstanConfig(staging), "deploy/app.yaml": cm("app", "release") };

    h = appHarness(GRANT);
    h.commit("a", files);
    h.commit("e", files);
    h.github.branches.set("main", sha("a"));
    await h.push(ZERO, sha("e"), "release");
    expect(states()).toEqual(["staging@e: failure"]);
    expect(lastStatus()).toBe(
      clipDescription(
        'Not deployed: cluster "test" accepts deploys only from the default branch main, not from release; whoever runs Capstan can allow more branches with clusters.test.branches',
      ),
    );
    expect(await exists(() => testCluster().core.readNamespace({ name: ns }))).toBe(false);
    expect(
      h.logged.some((l) => l.startsWith('push not deployed to this environment: cluster "test" accepts')),
    ).toBe(true);
    nock.cleanAll();
    h.remove();

    h = appHarness(GRANT, "    branches: [main, release]\n");
    h.commit("a", files);
    h.commit("e", files);
    h.github.branches.set("main", sha("a"));
    await h.push(ZERO, sha("e"), "release");
    expect(states()).toEqual(["staging@e: success"]);
    expect(await liveValue("app")).toBe("release");
  });

  it("an object outside the repository's namespaces, or a cluster-scoped kind it may not write, fails the Deployment before anything is applied", async () => {
    h = appHarness(
      `  Codertocat/Hello-World:\n    clusters:\n      - name: test\n        namespaces: [${ns}]\n`,
    );
    const production = ["name: production", "path: deploy", `namespace: ${ns}`, "cluster: test"];
    h.commit("a", {
      ".github/capstan.yml": capstanConfig(production),
      "deploy/app.yaml": cm("inside", "1") + cm("outside", "1", `${ns}-other`),
    });
    await h.push(ZERO, sha("a"));
    expect(states()).toEqual(["production@a: failure"]);
    expect(lastStatus()).toMatch(
      new RegExp(
        `^Not deployed: ConfigMap/${ns}-other/outside: namespace ${ns}-other is outside this repository's reach`,
      ),
    );
    expect(await exists(() => testCluster().core.readNamespace({ name: ns }))).toBe(false);
    expect(await exists(() => testCluster().core.readNamespace({ name: `${ns}-other` }))).toBe(false);

    h.commit("b", {
      ".github/capstan.yml": capstanConfig(production),
      "deploy/app.yaml": cm("inside", "1") + binding,
    });
    await h.push(sha("a"), sha("b"));
    expect(states()).toEqual(["production@a: failure", "production@b: failure"]);
    expect(lastStatus()).toContain(
      "Not deployed: ClusterRoleBinding/capstan-gates-admin: cluster-scoped ClusterRoleBinding.rbac.authorization.k8s.io is outside",
    );
    expect(await exists(() => testCluster().core.readNamespace({ name: ns }))).toBe(false);
    expect(
      await exists(() =>
        testCluster().objects.read({
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "ClusterRoleBinding",
          metadata: { name: "capstan-gates-admin" },
        }),
      ),
    ).toBe(false);

    // A custom resource the cluster does not serve, whose CRD the render does not declare: its scope
    // cannot be judged, so it is refused rather than guessed.
    h.commit("d", {
      ".github/capstan.yml": capstanConfig(production),
      "deploy/app.yaml": `${cm("inside", "1")}---\napiVersion: unserved.capstan.test/v1\nkind: Gadget\nmetadata:\n  name: g\n`,
    });
    await h.push(sha("b"), sha("d"));
    expect(lastStatus()).toContain(
      `Not deployed: Gadget/${ns}/g: unserved.capstan.test/v1 Gadget is not served by cluster test`,
    );
    expect(await exists(() => testCluster().core.readNamespace({ name: ns }))).toBe(false);

    // Inside its bounds, the same repository deploys.
    h.commit("c", { ".github/capstan.yml": capstanConfig(production), "deploy/app.yaml": cm("inside", "2") });
    await h.push(sha("d"), sha("c"));
    expect(states().at(-1)).toBe("production@c: success");
    expect(await liveValue("inside")).toBe("2");
  });

  it("by default, a repository may not write into a namespace it did not create, nor into kube-system", async () => {
    const handMade = await testNamespace(testCluster(), "handmade");
    h = appHarness(GRANT);
    const production = ["name: production", "path: deploy", `namespace: ${handMade}`, "cluster: test"];
    h.commit("a", { ".github/capstan.yml": capstanConfig(production), "deploy/app.yaml": cm("app", "1") });
    await h.push(ZERO, sha("a"));
    expect(states()).toEqual(["production@a: failure"]);
    expect(lastStatus()).toContain(
      `Not deployed: the environment's namespace ${handMade} exists on cluster test and was not created by Capstan`,
    );
    expect(
      await exists(() => testCluster().core.readNamespacedConfigMap({ namespace: handMade, name: "app" })),
    ).toBe(false);

    const own = ["name: production", "path: deploy", `namespace: ${ns}`, "cluster: test"];
    h.commit("b", {
      ".github/capstan.yml": capstanConfig(own),
      "deploy/app.yaml": cm("app", "1", "kube-system"),
    });
    await h.push(sha("a"), sha("b"));
    expect(states().at(-1)).toBe("production@b: failure");
    expect(lastStatus()).toContain("namespace kube-system is a system namespace");
    expect(
      await exists(() =>
        testCluster().core.readNamespacedConfigMap({ namespace: "kube-system", name: "app" }),
      ),
    ).toBe(false);
  });
});
