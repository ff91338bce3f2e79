import { describe, expect, it } from "vitest";
import { syncSteps } from "../../src/cluster/index.js";
import { buildObjectSet, formatRef, parseDocuments } from "../../src/manifests/index.js";

const objects = (yaml: string) => buildObjectSet(parseDocuments(yaml, "m.yaml").documents, "web");
const doc = (apiVersion: string, kind: string, name: string, wave?: string) =>
  `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n${wave ? `  annotations: {${wave}}\n` : ""}`;

describe("syncSteps", () => {
  it("puts Namespaces and CRDs first, then waves in order, each in Argo CD's kind order", () => {
    const yaml = [
      doc("example.com/v1", "Widget", "w"),
      doc("apps/v1", "Deployment", "api"),
      doc("v1", "Service", "api"),
      doc("batch/v1", "Job", "migrate", '"argocd.argoproj.io/sync-wave": "-1"'),
      doc("v1", "ConfigMap", "late", '"capstan.dev/sync-wave": "5"'),
      doc("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com"),
      doc("v1", "Namespace", "web"),
      doc("v1", "ConfigMap", "settings"),
      doc("v1", "ServiceAccount", "api"),
    ].join("---\n");
    expect(syncSteps(objects(yaml)).map((step) => step.map((m) => formatRef(m.ref)))).toEqual([
      ["Namespace/web", "CustomResourceDefinition/widgets.example.com"],
      ["Job/web/migrate"],
      [
        "ServiceAccount/web/api",
        "ConfigMap/web/settings",
        "Service/web/api",
        "Deployment/web/api",
        "Widget/web/w",
      ],
      ["ConfigMap/web/late"],
    ]);
  });

  it("treats a wave that is not an integer as wave 0", () => {
    const yaml = [
      doc("v1", "ConfigMap", "a", '"capstan.dev/sync-wave": "soon"'),
      doc("v1", "ConfigMap", "b"),
    ].join("---\n");
    expect(syncSteps(objects(yaml)).map((s) => s.length)).toEqual([2]);
  });
});
