import { describe, expect, it } from "vitest";
import { configSchema, parseServerConfig } from "../../src/config/index.js";
import { retryDue } from "../../src/flows/deploy-push.js";
import { intervalsOf, planSweeps } from "../../src/flows/sweep-plan.js";

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
reconcile:
  behind: 1m
  previews: 2m
`,
  "server.yml",
);

const shop = {
  repo: { owner: "acme", repo: "shop" },
  ids: { id: 11, ownerId: 7 },
  defaultBranch: "main",
  config: configSchema.parse({
    environments: [
      { name: "production", path: "p", cluster: "prod", drift: { interval: "30m" } },
      { name: "staging", path: "s", cluster: "stage", branch: "release/1" },
      { name: "hotfixes", path: "h", cluster: "prod", branch: "hotfix", drift: { mode: "off" } },
      { name: "elsewhere", path: "e", cluster: "other" },
      { name: "manual", path: "m", cluster: "prod", autoSync: false },
      { name: "preview-only", path: "v" },
    ],
  }),
};

describe("what the reconciler sweeps", () => {
  it("plans previews per repository, behind per deploying branch, drift per granted environment", () => {
    const plan = planSweeps([shop], server, intervalsOf(server));
    expect(plan.map((s) => [s.key, s.intervalMs])).toEqual([
      ["previews acme/shop", 120_000],
      // `hotfix` is refused by prod's default branch rule, so nothing deploys from it.
      ["behind acme/shop@main", 60_000],
      ["behind acme/shop@release/1", 60_000],
      ["drift acme/shop/production", 30 * 60_000],
      ["drift acme/shop/staging", 10 * 60_000],
      // manual deploys (autoSync false) can still drift; an ungranted cluster and drift.mode off cannot.
      ["drift acme/shop/manual", 10 * 60_000],
    ]);
  });

  it.each([
    {
      case: "without a server config, only previews",
      server: undefined,
      keys: ["previews acme/shop"],
    },
    {
      case: "a repository the server config does not name gets no cluster sweeps",
      server: parseServerConfig("clusters:\n  prod:\n    kubeconfig: /k\n", "server.yml"),
      keys: ["previews acme/shop"],
    },
  ])("$case", ({ server, keys }) => {
    expect(planSweeps([shop], server, intervalsOf(server)).map((s) => s.key)).toEqual(keys);
  });

  it("takes the server's drift interval over every environment's", () => {
    const fast = parseServerConfig(
      "clusters:\n  prod:\n    kubeconfig: /k\nrepositories:\n  acme/shop:\n    clusters: [prod]\nreconcile:\n  drift: 5s\n",
      "server.yml",
    );
    const drift = planSweeps([shop], fast, intervalsOf(fast)).filter((s) => s.kind === "drift");
    expect(drift.map((s) => s.intervalMs)).toEqual([5000, 5000]);
  });

  it("uses the documented defaults", () => {
    expect(intervalsOf(undefined)).toEqual({ behindMs: 180_000, previewsMs: 300_000 });
  });

  it("refuses a reconcile section with an invalid interval, naming it", () => {
    expect(() => parseServerConfig("clusters: {}\nreconcile:\n  behind: soon\n", "server.yml")).toThrow(
      /reconcile\.behind.*duration/s,
    );
  });
});

describe("when a sweep deploys a failed revision again", () => {
  const at = "2026-12-02T10:00:00Z";
  const minutes = (m: number) => Date.parse(at) + m * 60_000;
  it.each([
    { case: "not before the first wait", attempts: 1, now: minutes(2), due: false },
    { case: "after the first wait", attempts: 1, now: minutes(3), due: true },
    { case: "the wait doubles with each attempt", attempts: 3, now: minutes(11), due: false },
    { case: "…and is over after four times the first", attempts: 3, now: minutes(12), due: true },
    { case: "never more than an hour", attempts: 20, now: minutes(60), due: true },
  ])("$case", ({ attempts, now, due }) => {
    expect(retryDue({ id: 1, state: "failure", at, attempts }, 3 * 60_000, now)).toBe(due);
  });
});
