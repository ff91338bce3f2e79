import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FindingJson, policy } from "../../src/commands/policy.js";
import { cli } from "../helpers/cli.js";
import { fixtureRepo, gitRepoFrom, hostile, ROOT } from "../helpers/fixtures.js";

describe("capstan policy", () => {
  let repo: { dir: string; remove: () => void };
  beforeAll(() => {
    repo = gitRepoFrom("shop");
  });
  afterAll(() => repo.remove());

  it("reports findings with rule, object, file and line as JSON, and exits 0 on warnings only", async () => {
    const result = await policy({
      repo: { dir: repo.dir, ref: "feature" },
      environments: ["staging"],
      format: "json",
    });
    expect(result.exitCode).toBe(0);
    const { findings } = JSON.parse(result.output) as { findings: FindingJson[] };
    expect(findings).toEqual([
      {
        rule: "plain-secret",
        severity: "warning",
        message: "a plain Secret is committed to the repository",
        kind: "Secret",
        namespace: "shop-staging",
        name: "api-credentials",
        file: "deploy/overlays/staging (kustomize build)",
        line: 34,
        environment: "staging",
        hint: expect.stringContaining("SOPS"),
      },
      {
        rule: "run-as-non-root",
        severity: "warning",
        message: "container api does not set runAsNonRoot: true",
        kind: "Deployment",
        namespace: "shop-staging",
        name: "api",
        file: "deploy/overlays/staging (kustomize build)",
        line: 88,
        environment: "staging",
        hint: expect.stringContaining("runAsNonRoot"),
      },
    ]);
  });

  it("lists an exemption in the text output", async () => {
    const result = await policy({
      dir: fixtureRepo("shop", "head"),
      environments: ["monitoring"],
      format: "text",
    });
    expect(result.output).toContain(
      "charts/metrics-agent/templates/daemonset.yaml:16: exempt host-namespaces: DaemonSet/monitoring/metrics-agent (capstan.dev/skip-policies)",
    );
    expect(result.output).toMatch(/^monitoring: passed$/m);
  });

  it("exits 1 on an error finding, with the finding's line", async () => {
    const result = await policy({
      dir: fixtureRepo("shop", "head"),
      environments: ["platform"],
      config: join(ROOT, "fixtures/config/strict-platform.yml"),
      format: "text",
    });
    expect(result.exitCode).toBe(1);
    expect(result.output).toContain(
      "platform/rbac/reader.yaml:2: error namespaces: ClusterRole/platform-reader: cluster-scoped ClusterRole is not allowed",
    );
  });

  describe("exit codes of the real entry point", () => {
    // dist/ is built once by test/setup/build.ts.

    it.each<[string, string[], number, string]>([
      ["0 without error findings", ["--dir", fixtureRepo("shop", "head")], 0, "monitoring: passed"],
      [
        "1 when an environment cannot be rendered",
        ["--dir", hostile("helm-fails")],
        1,
        "image.tag is required",
      ],
      [
        "2 on a usage error",
        ["--dir", "a", "--ref", "main"],
        2,
        "give either --repo DIR --ref REF, or --dir DIR",
      ],
      [
        "2 on a config error",
        ["--dir", hostile("invalid-config")],
        2,
        "environments[0].autosync: unknown key",
      ],
    ])("%s", async (_name, args, code, text) => {
      const r = await cli("policy", ...args);
      expect(r.code).toBe(code);
      expect(r.stdout + r.stderr).toContain(text);
    });
  });
});
