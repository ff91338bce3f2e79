import { describe, expect, it } from "vitest";
import { configSchema, parseConfig } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";
import { buildObjectSet, type KubeObject, type Manifest, parseDocuments } from "../../src/manifests/index.js";
import { type Rule, resolvePolicy, runPolicy } from "../../src/policy/index.js";
import { renderEnvironment } from "../../src/render/index.js";
import { fixtureRepo, treeConfig } from "../helpers/fixtures.js";

const objects = (yaml: string) => buildObjectSet(parseDocuments(yaml, "m.yaml").documents, "web");

function policyFor(config: Record<string, unknown> = {}, env: Record<string, unknown> = {}) {
  const parsed = configSchema.parse({
    environments: [{ name: "e", path: ".", namespace: "web", ...env }],
    ...config,
  });
  return resolvePolicy(parsed, parsed.environments[0]!);
}

const LATEST =
  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: a, image: nginx}]\n";

describe("runPolicy", () => {
  it("turns a rule off, or down to a warning, from the config", () => {
    const ids = (p: ReturnType<typeof policyFor>) =>
      runPolicy(objects(LATEST), p).findings.map((f) => `${f.rule}:${f.severity}`);
    expect(ids(policyFor())).toContain("image-tag:error");
    expect(ids(policyFor({ policy: { rules: { "image-tag": "warning" } } }))).toContain("image-tag:warning");
    expect(ids(policyFor({ policy: { rules: { "image-tag": "off" } } }))).not.toContain("image-tag:error");
  });

  it("gives every finding of a rule the severity the config set, even one the rule would give as a warning", () => {
    const yaml =
      "apiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: FlowSchema\nmetadata: {name: f}\nspec: {priorityLevelConfiguration: {name: x}}\n";
    const rule = (config: Record<string, unknown>) =>
      runPolicy(objects(yaml), policyFor(config, { kubeVersion: "1.30" })).findings.find(
        (f) => f.rule === "deprecated-api",
      )?.severity;
    expect(rule({})).toBe("warning");
    expect(rule({ policy: { rules: { "deprecated-api": "error" } } })).toBe("error");
  });

  it("notes a skip annotation that names no rule", () => {
    const yaml = LATEST.replace(
      "  name: p\n",
      "  name: p\n  annotations:\n    capstan.dev/skip-policies: imagetag\n",
    );
    expect(runPolicy(objects(yaml), policyFor()).notices).toContainEqual(
      expect.stringContaining('Pod/web/p: capstan.dev/skip-policies names "imagetag", which is not a rule'),
    );
  });

  it("lets an environment override the repository's settings", () => {
    const p = policyFor(
      { policy: { rules: { "image-tag": "off" }, minReplicas: 1 } },
      { policy: { rules: { "image-tag": "error" }, minReplicas: 3 } },
    );
    expect(p.severities.get("image-tag")).toBe("error");
    expect(p.settings.minReplicas).toBe(3);
  });

  it("reports an exemption annotation as an exemption, never silently", () => {
    const yaml = LATEST.replace(
      "  name: p\n",
      "  name: p\n  annotations:\n    capstan.dev/skip-policies: image-tag, resources\n",
    );
    const result = runPolicy(objects(yaml), policyFor());
    expect(result.findings.map((f) => f.rule)).not.toContain("image-tag");
    expect(result.exemptions.map((e) => [e.rule, e.line])).toEqual([
      ["image-tag", 6],
      ["resources", 6],
    ]);
  });

  it("notes kinds it could not validate once, instead of failing them", () => {
    const yaml =
      "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: a}\n---\napiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: b}\n";
    const result = runPolicy(objects(yaml), policyFor());
    expect(result.findings.filter((f) => f.rule === "schema")).toEqual([]);
    expect(result.notices).toEqual([
      "Gadget example.com/v1: no schema is known (not built into Kubernetes v1.36.5, and no CRD for it in this render); not validated",
    ]);
  });

  it("flags a name the apiserver would refuse for its kind, at the name's line, and accepts RBAC's capitals", () => {
    const yaml = [
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: web\n  name: from-B\ndata: {a: b}\n",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: TeamReader\nrules: []\n",
    ].join("---\n");
    const result = runPolicy(objects(yaml), policyFor());
    expect(
      result.findings.filter((f) => f.rule === "schema").map((f) => [f.ref.name, f.line, f.message]),
    ).toEqual([
      [
        "from-B",
        5,
        `metadata.name "from-B" must be a lowercase RFC 1123 subdomain: at most 253 lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character`,
      ],
    ]);
  });

  it("validates against the nearest bundled Kubernetes version, and says so", () => {
    const result = runPolicy(objects(LATEST), policyFor({}, { kubeVersion: "1.30" }));
    expect(result.notices).toContain("validated against Kubernetes v1.34.4: no schemas are bundled for 1.30");
  });

  it("orders errors before warnings, then by file and line", () => {
    const result = runPolicy(objects(LATEST), policyFor());
    const severities = result.findings.map((f) => f.severity);
    expect(severities).toEqual([...severities].sort());
  });

  it("turns a rule that throws into an error finding for that object and goes on", () => {
    const broken: Rule = {
      id: "broken",
      defaultSeverity: "warning",
      rationale: "r",
      hint: "h",
      check: () => {
        throw new TypeError("boom");
      },
    };
    const result = runPolicy(objects(LATEST), policyFor(), [broken]);
    expect(result.findings).toEqual([
      expect.objectContaining({
        rule: "broken",
        severity: "error",
        message: "could not be checked: boom",
      }),
    ]);
  });

  describe("hostile objects give findings or clear errors, never a crash", () => {
    const manifest = (object: Record<string, unknown>): Manifest => ({
      ref: { group: "", kind: String(object.kind), namespace: "web", name: "x" },
      object: object as KubeObject,
      source: { file: "h.yaml", line: 1 },
    });
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 5000; i++) deep = { nested: deep };
    it.each<[string, Record<string, unknown>]>([
      [
        "deeply nested spec",
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: deep },
      ],
      [
        "containers that are not a list",
        { apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: { containers: "nope" } },
      ],
      [
        "a container that is a string",
        { apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: { containers: ["nginx"] } },
      ],
      [
        "a huge string",
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "x" },
          spec: { containers: [{ name: "a", image: "a".repeat(1_000_000) }] },
        },
      ],
      [
        "an unknown kind",
        { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "x" }, spec: { replicas: "many" } },
      ],
      [
        "labels that are not a map",
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", labels: "oops" } },
      ],
      ["no metadata at all", { apiVersion: "v1", kind: "ConfigMap" }],
      [
        "a roleRef that is a list",
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: "x" },
          roleRef: [],
        },
      ],
    ])("%s", (_name, object) => {
      const p = policyFor({ policy: { requiredLabels: ["team"], minReplicas: 2 } });
      expect(() => runPolicy([manifest(object)], p)).not.toThrow();
    });
  });

  it("points at the helm template that produced the object", async () => {
    const root = fixtureRepo("shop", "head");
    const config = treeConfig(root);
    const env = config.environments.find((e) => e.name === "monitoring")!;
    const { manifests } = await renderEnvironment(root, env);
    const result = runPolicy(manifests, resolvePolicy(config, env));
    expect(result.exemptions).toEqual([
      expect.objectContaining({
        rule: "host-namespaces",
        file: "charts/metrics-agent/templates/daemonset.yaml",
      }),
    ]);
  });
});

describe("policy config", () => {
  it("refuses an unknown rule id with its line", () => {
    const attempt = () =>
      parseConfig("environments:\n  - name: a\n    path: x\npolicy:\n  rules:\n    image-tags: error\n");
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      '.github/capstan.yml:6: policy.rules.image-tags: unknown policy rule; did you mean "image-tag"?',
    );
  });

  it("refuses an unknown rule id in an environment's overrides", () => {
    expect(() =>
      parseConfig("environments:\n  - name: a\n    path: x\n    policy: {rules: {nope: off}}\n"),
    ).toThrow("environments[0].policy.rules.nope: unknown policy rule");
  });
});

describe("the schema rule on real renders", () => {
  it("finds nothing wrong with the valid objects of the sample repository (no false positives)", async () => {
    for (const side of ["base", "head"] as const) {
      const root = fixtureRepo("shop", side);
      const config = treeConfig(root);
      for (const env of config.environments) {
        const { manifests } = await renderEnvironment(root, env);
        const result = runPolicy(manifests, resolvePolicy(config, env));
        expect(
          result.findings.filter((f) => f.rule === "schema"),
          `${side}/${env.name}`,
        ).toEqual([]);
        expect(result.notices, `${side}/${env.name}`).toEqual([]);
      }
    }
  });
});
