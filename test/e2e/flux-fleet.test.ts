import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { cli } from "../helpers/cli.js";
import { ROOT } from "../helpers/fixtures.js";
import { examplePayload } from "../helpers/webhooks.js";
import { type AppHarness, appHarness, mockGitHubOnly, REPOSITORY_ID, sha } from "./app-harness.js";
import { testCluster } from "./helpers.js";

const FLEET = join(ROOT, "fixtures/repos/flux-fleet");
const expected = JSON.parse(readFileSync(join(FLEET, "expected-findings.json"), "utf8")) as {
  withClusterCrds: Array<{
    environment: string;
    rule: string;
    severity: string;
    object: string;
    message: string;
  }>;
};

// The fixture's files, with both of its clusters mapped to the test cluster.
function fleetFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(FLEET, path)] = readFileSync(path, "utf8");
    }
  };
  walk(FLEET);
  files[".github/capstan.yml"] = files[".github/capstan.yml"]!.replace(
    /cluster: (staging|production)/g,
    "cluster: test",
  );
  return files;
}

// With the fixture's CRDs installed in the target cluster (its `crds` environment, synced first, as a
// Flux repository installs them), every custom resource of a preview is validated and the fixture
// previews with exactly its expected findings.
describe("a preview of the flux-fleet fixture, with its CRDs in the cluster", () => {
  let h: AppHarness | undefined;
  const files = fleetFiles();
  mockGitHubOnly();

  beforeAll(async () => {
    const synced = await cli(
      "sync",
      "--dir",
      FLEET,
      "--env",
      "crds",
      "--kubeconfig",
      inject("kubeconfig"),
      "--wait",
    );
    expect(synced.stderr).toBe("");
    expect(synced.code, synced.stdout).toBe(0);
  });
  afterAll(async () => {
    const cluster = testCluster();
    const all = Object.entries(files)
      .filter(([path]) => path.startsWith("infrastructure/crds/"))
      .flatMap(([, text]) => [...text.matchAll(/^ {2}name: (\S+)$/gm)].map((m) => m[1]!));
    for (const name of all)
      await cluster.objects
        .delete({
          apiVersion: "apiextensions.k8s.io/v1",
          kind: "CustomResourceDefinition",
          metadata: { name },
        } as never)
        .catch(() => {});
  });
  afterEach(() => {
    nock.cleanAll();
    expect(h?.invalid ?? []).toEqual([]);
    h?.remove();
    h = undefined;
  });

  it("reports exactly the expected findings, and validates every custom resource", async () => {
    // The operator grants the repository what a platform repository writes cluster-wide.
    h = appHarness(
      `  Codertocat/Hello-World:\n    id: ${REPOSITORY_ID}\n    clusters:\n      - name: test\n        clusterScoped: [Namespace, CustomResourceDefinition.apiextensions.k8s.io, ClusterIssuer.cert-manager.io, GatewayClass.gateway.networking.k8s.io]\n`,
    );
    h.commit("a", { ".github/capstan.yml": files[".github/capstan.yml"]! });
    h.commit("b", files);
    h.github.prHeads.set(3, { head: sha("b"), base: sha("a") });
    const payload = examplePayload("pull_request", "opened", {
      number: 3,
      pull_request: { number: 3, base: { sha: sha("a") }, head: { sha: sha("b") } },
    });
    await h.probot.receive({ name: "pull_request", id: "pr-fleet", payload } as never);
    await h.deps.queue.idle();
    const policy = h.github.checkRuns.find((r) => r.name === "capstan/policy" && r.head_sha === sha("b"));
    const found = (policy?.output.annotations ?? []).map((a) => ({
      environment: /\((.+)\)$/.exec(String(a.title))![1],
      rule: String(a.title).split(":")[0],
      severity: a.annotation_level === "failure" ? "error" : "warning",
      object: /: (\S+) \(/.exec(String(a.title))![1],
      message: String(a.message)
        .split("\n")[0]!
        .replace(/^kustomize build output, line \d+: /, ""),
    }));
    expect(found).toEqual(expected.withClusterCrds);
    const comment = h.github
      .commentsOn(3)
      .map((c) => c.body)
      .join("\n");
    expect(comment).toContain("`fleet-production`");
    expect(comment).not.toContain("no schema is known");
    // The cluster's CRDs also give the scope: cluster-scoped configs are not shown in a namespace.
    expect(comment).toContain("ClusterIssuer/letsencrypt");
    expect(comment).toContain("GatewayClass/envoy");
    expect(comment).not.toMatch(/ClusterIssuer\/envoy-gateway-system/);
  });

  it("gives `capstan policy --kubeconfig` the same findings, read from the same cluster's CRDs", async () => {
    const result = await cli(
      "policy",
      "--dir",
      FLEET,
      "--kubeconfig",
      inject("kubeconfig"),
      "--format",
      "json",
    );
    expect(result.code, result.stderr).toBe(1);
    const { findings } = JSON.parse(result.stdout) as {
      findings: Array<{
        environment: string;
        rule: string;
        severity: string;
        kind: string;
        namespace: string | null;
        name: string;
        message: string;
      }>;
    };
    expect(
      findings.map((f) => ({
        environment: f.environment,
        rule: f.rule,
        severity: f.severity,
        object: `${f.kind}/${f.namespace}/${f.name}`,
        message: f.message,
      })),
    ).toEqual(expected.withClusterCrds);
    // Without a cluster the custom resources go unchecked: the same tree passes.
    expect((await cli("policy", "--dir", FLEET)).code).toBe(0);
  });
});
