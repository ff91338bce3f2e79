import { describe, expect, it } from "vitest";
import { nameProblem } from "../../src/manifests/index.js";
import type { KubeObject } from "../../src/manifests/types.js";

const object = (apiVersion: string, kind: string, name: string, spec?: object) =>
  ({ apiVersion, kind, metadata: { name }, ...(spec ? { spec } : {}) }) as KubeObject;

const long = (n: number) => "a".repeat(n);

// What kube-apiserver 1.36 accepts, as server-side dry runs answered it (✓ accepted, ✗ refused).
const table: Array<[string, string, string, boolean]> = [
  ["v1", "ConfigMap", "app.settings.v1", true],
  ["v1", "ConfigMap", "from-B", false],
  ["v1", "ConfigMap", "a:b", false],
  ["v1", "ConfigMap", "a_b", false],
  ["v1", "ConfigMap", "ab-", false],
  ["v1", "ConfigMap", "1abc", true],
  ["v1", "Secret", long(253), true],
  ["v1", "Secret", long(254), false],
  ["v1", "Namespace", "a.b", false],
  ["v1", "Namespace", long(63), true],
  ["v1", "Namespace", long(64), false],
  ["v1", "Service", "1abc", true],
  ["v1", "Service", "a.b", false],
  ["apps/v1", "StatefulSet", "a.b", false],
  ["apps/v1", "Deployment", "a.b", true],
  ["batch/v1", "CronJob", long(52), true],
  ["batch/v1", "CronJob", long(53), false],
  ["batch/v1", "Job", long(64), true],
  ["rbac.authorization.k8s.io/v1", "ClusterRole", "TeamReader", true],
  ["rbac.authorization.k8s.io/v1", "RoleBinding", "Team:Editors", true],
  ["rbac.authorization.k8s.io/v1", "Role", "a%b", false],
  ["rbac.authorization.k8s.io/v1", "Role", "..", false],
  ["policy/v1", "PodDisruptionBudget", "Web:Budget", true],
  ["certificates.k8s.io/v1", "CertificateSigningRequest", "Node_CSR", true],
  ["autoscaling/v2", "HorizontalPodAutoscaler", "TeamReader", false],
  ["example.com/v1", "Widget", "Big", false],
  ["example.com/v1", "Widget", "big.one", true],
];

describe("object names", () => {
  it.each(table)("%s %s %s: %s", (apiVersion, kind, name, accepted) => {
    expect(nameProblem(object(apiVersion, kind, name)) === undefined).toBe(accepted);
  });

  it.each([
    ["the CRD's plural and group", "widgets.example.com", undefined],
    ["anything else", "widget.example.com", 'must be spec.names.plural+"."+spec.group (widgets.example.com)'],
  ])("names a CRD after %s", (_what, name, problem) => {
    const crd = object("apiextensions.k8s.io/v1", "CustomResourceDefinition", name, {
      group: "example.com",
      names: { plural: "widgets", kind: "Widget" },
    });
    expect(nameProblem(crd)).toBe(problem);
  });

  it("says what the name must be, in the apiserver's terms", () => {
    expect(nameProblem(object("v1", "ConfigMap", "from-B"))).toBe(
      "must be a lowercase RFC 1123 subdomain: at most 253 lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character",
    );
  });
});
