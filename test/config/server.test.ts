import { describe, expect, it } from "vitest";
import {
  allowedClusters,
  branchMayDeploy,
  checkClusterAccess,
  configSchema,
  grantsFor,
  parseServerConfig,
  unpinnedEntries,
} from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";

const repo = (name: string, id?: number, ownerId?: number) => {
  const [owner, r] = name.split("/") as [string, string];
  return { owner, repo: r, id, ownerId };
};

const SERVER = `clusters:
  staging:
    kubeconfig: /etc/capstan/staging.kubeconfig
  production:
    kubeconfig: /etc/capstan/production.kubeconfig
    context: prod-admin
  local:
    inCluster: true
repositories:
  acme/shop:
    clusters: [staging, production]
  acme/*:
    clusters: [staging]
`;

describe("the server config", () => {
  it("maps cluster names to credentials and repositories to the clusters they may use", () => {
    const server = parseServerConfig(SERVER, "capstan-server.yml");
    expect(server.clusters.production).toEqual({
      kubeconfig: "/etc/capstan/production.kubeconfig",
      context: "prod-admin",
      terminationMessages: false,
      freeze: [],
    });
    expect(server.clusters.local).toEqual({ inCluster: true, terminationMessages: false, freeze: [] });
    // Previews have their budgets whether or not the file names them.
    expect(server.previews).toEqual({ timeout: "5m", memoryMiB: 1024 });
    expect([...allowedClusters(server, repo("acme/shop"))].sort()).toEqual(["production", "staging"]);
    expect([...allowedClusters(server, repo("acme/blog"))]).toEqual(["staging"]);
    expect([...allowedClusters(server, repo("other/shop"))]).toEqual([]);
    // GitHub's names are case-insensitive.
    expect([...allowedClusters(server, repo("ACME/Shop"))].sort()).toEqual(["production", "staging"]);
  });

  it.each([
    [
      "a repository allowed an undefined cluster",
      `${SERVER}  acme/blog:\n    clusters: [qa]\n`,
      'capstan-server.yml:15: repositories.acme/blog.clusters[0]: cluster "qa" is not defined under clusters',
    ],
    [
      "a cluster with neither kubeconfig nor inCluster",
      "clusters:\n  x:\n    context: a\n",
      "capstan-server.yml:2: clusters.x: must have kubeconfig (and optionally context), or inCluster: true",
    ],
    [
      "a repository key that is not owner/repo",
      "repositories:\n  shop:\n    clusters: []\n",
      "capstan-server.yml:2: repositories.shop: must be owner/repo or owner/*",
    ],
    [
      "a leader Lease on an undefined cluster",
      "clusters:\n  x:\n    kubeconfig: /k\nleaderElection:\n  cluster: home\n  namespace: capstan\n",
      'capstan-server.yml:5: leaderElection.cluster: cluster "home" is not defined under clusters',
    ],
    [
      "a leader election timing that is not a duration",
      "clusters:\n  x:\n    kubeconfig: /k\nleaderElection:\n  cluster: x\n  namespace: capstan\n  retryPeriod: often\n",
      "capstan-server.yml:7: leaderElection.retryPeriod: must be a duration from 1s to 24h, such as 90s, 5m or 1h30m",
    ],
    [
      "a write budget of nothing",
      "githubWrites:\n  perHour: 0\n",
      "capstan-server.yml:2: githubWrites.perHour: Too small: expected number to be >=1",
    ],
    [
      "a cluster granted twice",
      "clusters:\n  x:\n    kubeconfig: /k\nrepositories:\n  a/b:\n    clusters: [x, {name: x}]\n",
      'capstan-server.yml:6: repositories.a/b.clusters[1]: cluster "x" is granted twice',
    ],
    [
      "a non-numeric id",
      "repositories:\n  a/b:\n    id: abc\n    clusters: []\n",
      'capstan-server.yml:3: repositories.a/b.id: must be a number (got "abc")',
    ],
    [
      "a namespace bound that is no name",
      "clusters:\n  x:\n    kubeconfig: /k\nrepositories:\n  a/b:\n    clusters:\n      - name: x\n        namespaces: [Team_A]\n",
      "capstan-server.yml:8: repositories.a/b.clusters[0].namespaces[0]: must be a namespace name, or a pattern with *",
    ],
    [
      "an empty branch pin",
      "clusters:\n  x:\n    kubeconfig: /k\n    branches: []\n",
      "capstan-server.yml:4: clusters.x.branches: needs at least one branch",
    ],
    [
      "a preview timeout that is no duration",
      "previews:\n  timeout: 5 minutes\n",
      "capstan-server.yml:2: previews.timeout: must be a duration from 1s to 24h, such as 90s, 5m or 1h30m",
    ],
    [
      "a preview timeout past 24 hours",
      "previews:\n  timeout: 25h\n",
      "capstan-server.yml:2: previews.timeout: must be a duration from 1s to 24h",
    ],
    [
      "too little memory for a preview",
      "previews:\n  memoryMiB: 64\n",
      "capstan-server.yml:2: previews.memoryMiB: ",
    ],
    ["no preview workers", "previews:\n  workers: 0\n", "capstan-server.yml:2: previews.workers: "],
    [
      "more renders at once than 16",
      "previews:\n  renders: 17\n",
      "capstan-server.yml:2: previews.renders: ",
    ],
  ])("refuses %s, naming the line", (_name, text, message) => {
    expect(() => parseServerConfig(text, "capstan-server.yml")).toThrow(ConfigError);
    expect(() => parseServerConfig(text, "capstan-server.yml")).toThrow(message);
  });

  it("names each environment that asks for a cluster the repository may not use", () => {
    const server = parseServerConfig(SERVER, "capstan-server.yml");
    const config = configSchema.parse({
      environments: [
        { name: "a", path: "a", cluster: "staging" },
        { name: "b", path: "b", cluster: "production" },
        { name: "c", path: "c" },
      ],
    });
    expect(checkClusterAccess(config, server, repo("acme/shop"))).toEqual([]);
    expect(checkClusterAccess(config, server, repo("acme/blog"))).toEqual([
      {
        path: ["environments", 1, "cluster"],
        message:
          'cluster "production" is not one this Capstan lets acme/blog use (allowed: staging); ask whoever runs Capstan',
      },
    ]);
  });

  describe("entries pinned to numeric ids", () => {
    const pinned = parseServerConfig(
      `clusters:
  prod:
    kubeconfig: /k
  dev:
    kubeconfig: /k
repositories:
  acme/shop:
    id: 1296269
    clusters: [prod]
  acme/*:
    id: 9919
    clusters: [dev]
  acme/blog:
    clusters: [dev]
`,
      "server.yml",
    );
    it.each([
      {
        who: "the pinned repository under its name",
        repo: repo("acme/shop", 1296269, 9919),
        want: ["dev", "prod"],
      },
      {
        who: "the pinned repository after a rename",
        repo: repo("acme/storefront", 1296269, 9919),
        want: ["dev", "prod"],
      },
      {
        who: "the pinned repository after a transfer",
        repo: repo("other/shop", 1296269, 42),
        want: ["prod"],
      },
      { who: "a new repository that took the old name", repo: repo("acme/shop", 777, 9919), want: ["dev"] },
      { who: "a new owner that took the old owner's name", repo: repo("acme/shop", 777, 31337), want: [] },
      { who: "a name-only entry, matched by name", repo: repo("acme/blog", 5, 31337), want: ["dev"] },
      {
        who: "a repository whose ids are unknown (names never match a pinned entry)",
        repo: repo("acme/shop"),
        want: [],
      },
    ])("$who: $want", ({ repo: r, want }) => {
      expect([...allowedClusters(pinned, r)].sort()).toEqual(want);
    });
  });

  it("defaults the sweeps, the write pacing, and no leader election", () => {
    const server = parseServerConfig("clusters: {}\n", "s.yml");
    expect(server.reconcile).toEqual({
      enabled: true,
      repositories: "10m",
      behind: "3m",
      previews: "5m",
      healsPerDay: 6,
    });
    expect(server.githubWrites).toEqual({ spacing: "1s", perHour: 480, reservedForDeploys: 120 });
    expect(server.leaderElection).toBeUndefined();
    const led = parseServerConfig(
      "clusters:\n  home:\n    inCluster: true\nleaderElection:\n  cluster: home\n  namespace: capstan\n",
      "s.yml",
    );
    expect(led.leaderElection).toEqual({
      cluster: "home",
      namespace: "capstan",
      name: "capstan-leader",
      leaseDuration: "15s",
      renewDeadline: "10s",
      retryPeriod: "2s",
    });
  });

  it("names the entries that match by name alone, for the server's log", () => {
    const server = parseServerConfig(SERVER, "capstan-server.yml");
    expect(unpinnedEntries(server)).toEqual([
      "repositories.acme/shop has no id, so it matches by name; pin it with id: (the repository's numeric id) so that a rename or transfer cannot hand its clusters to someone else",
      "repositories.acme/* has no id, so it matches by name; pin it with id: (the owner's numeric id) so that a rename or transfer cannot hand its clusters to someone else",
    ]);
  });

  it("bounds each grant: namespaces and cluster-scoped kinds, the repository's own entry over its owner's", () => {
    const server = parseServerConfig(
      `clusters:
  prod:
    kubeconfig: /k
  dev:
    kubeconfig: /k
repositories:
  acme/*:
    clusters:
      - name: prod
        namespaces: [shared]
      - dev
  acme/shop:
    clusters:
      - name: prod
        namespaces: [shop, "shop-*"]
        clusterScoped: [Namespace, ClusterRole.rbac.authorization.k8s.io]
`,
      "server.yml",
    );
    expect(Object.fromEntries(grantsFor(server, repo("acme/shop")))).toEqual({
      prod: {
        cluster: "prod",
        namespaces: ["shop", "shop-*"],
        clusterScoped: ["Namespace", "ClusterRole.rbac.authorization.k8s.io"],
      },
      dev: { cluster: "dev", clusterScoped: ["Namespace"] },
    });
    expect(grantsFor(server, repo("acme/blog")).get("prod")).toEqual({
      cluster: "prod",
      namespaces: ["shared"],
      clusterScoped: ["Namespace"],
    });
  });

  it.each([
    { branches: undefined, branch: "main", ok: true },
    { branches: undefined, branch: "hotfix", ok: false },
    { branches: ["main", "release/*"], branch: "release/1.2", ok: true },
    { branches: ["main", "release/*"], branch: "hotfix", ok: false },
    { branches: ["release/*"], branch: "main", ok: false },
  ])("a cluster pinned to $branches takes deploys from $branch: $ok", ({ branches, branch, ok }) => {
    const server = parseServerConfig(
      `clusters:\n  prod:\n    kubeconfig: /k\n${branches ? `    branches: [${branches.join(", ")}]\n` : ""}`,
      "server.yml",
    );
    expect(branchMayDeploy(server, "prod", branch, "main")).toBe(ok);
  });

  it("names an environment whose branch its cluster does not accept, at its branch key", () => {
    const server = parseServerConfig(
      "clusters:\n  prod:\n    kubeconfig: /k\nrepositories:\n  acme/shop:\n    clusters: [prod]\n",
      "server.yml",
    );
    const config = configSchema.parse({
      environments: [
        { name: "a", path: "a", cluster: "prod" },
        { name: "b", path: "b", cluster: "prod", branch: "release" },
      ],
    });
    expect(checkClusterAccess(config, server, repo("acme/shop"), "main")).toEqual([
      {
        path: ["environments", 1, "branch"],
        message:
          'cluster "prod" accepts deploys only from the default branch main, not from release; whoever runs Capstan can allow more branches with clusters.prod.branches',
      },
    ]);
  });
});
