import { describe, expect, it } from "vitest";
import { configSchema, parseServerConfig } from "../../src/config/index.js";
import { planPush } from "../../src/flows/push-plan.js";

const SHOP = { owner: "acme", repo: "shop", id: 11, ownerId: 7 };

const server = parseServerConfig(
  `clusters:
  prod:
    kubeconfig: /k
  stage:
    kubeconfig: /k
    branches: [main, "release/*"]
  other:
    kubeconfig: /k
repositories:
  acme/shop:
    id: 11
    clusters: [prod, stage]
`,
  "server.yml",
);

// The default branch's config: the only one that decides what a push deploys.
const config = configSchema.parse({
  environments: [
    { name: "production", path: "p", cluster: "prod" },
    { name: "staging", path: "s", cluster: "stage", branch: "release/1" },
    { name: "hotfixes", path: "h", cluster: "prod", branch: "hotfix" },
    { name: "elsewhere", path: "e", cluster: "other" },
    { name: "manual", path: "m", cluster: "prod", autoSync: false },
    { name: "preview-only", path: "v" },
  ],
});

describe("what a push may deploy", () => {
  it.each([
    {
      case: "a push to the default branch deploys its environments; an ungranted cluster is refused",
      branch: "main",
      want: [
        "production: deploy",
        'elsewhere: refuse: cluster "other" is not allowed for acme/shop by the server config',
      ],
    },
    {
      case: "a branch the default branch's config names, on a cluster that accepts it",
      branch: "release/1",
      want: ["staging: deploy"],
    },
    {
      case: "a branch the default branch's config names, on a cluster pinned to the default branch",
      branch: "hotfix",
      want: [
        'hotfixes: refuse: cluster "prod" accepts deploys only from the default branch main, not from hotfix; whoever runs Capstan can allow more branches with clusters.prod.branches',
      ],
    },
    {
      case: "a branch no environment of the default branch's config names (whatever its own config says)",
      branch: "sneaky",
      want: ["idle: no environment of the config on main deploys from sneaky"],
    },
  ])("$case", ({ branch, want }) => {
    const plan = planPush(config, server, SHOP, branch, "main");
    const got = plan.idle
      ? [`idle: ${plan.idle}`]
      : plan.decisions.map((d) =>
          d.action === "deploy"
            ? `${d.environment.name}: deploy`
            : `${d.environment.name}: refuse: ${d.reason}`,
        );
    expect(got).toEqual(want);
  });

  it("gives each deployed environment the reach its grant allows", () => {
    const plan = planPush(config, server, SHOP, "main", "main");
    expect(plan.decisions[0]).toMatchObject({
      action: "deploy",
      reach: { cluster: "prod", clusterScoped: ["Namespace"] },
    });
  });

  it("deploys nothing for a repository that took a pinned repository's name", () => {
    const plan = planPush(config, server, { ...SHOP, id: 999 }, "main", "main");
    expect(plan.decisions.map((d) => d.action)).toEqual(["refuse", "refuse"]);
  });

  it("deploys nothing without a config on the default branch", () => {
    expect(planPush(undefined, server, SHOP, "main", "main")).toEqual({
      decisions: [],
      idle: "the default branch main has no Capstan config",
    });
  });
});
