import { describe, expect, it } from "vitest";
import { ManifestError } from "../../src/errors.js";
import { buildObjectSet, formatRef, parseDocuments } from "../../src/manifests/index.js";

const build = (text: string) => buildObjectSet(parseDocuments(text, "m.yaml").documents, "web");

describe("buildObjectSet", () => {
  it.each([
    [
      "a namespaced object without a namespace takes the default",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}",
      "ConfigMap/web/a",
    ],
    [
      "an explicit namespace is kept",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: other}",
      "ConfigMap/other/a",
    ],
    [
      "a cluster-scoped kind has no namespace",
      "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}",
      "Namespace/web",
    ],
    [
      "a cluster-scoped object drops a namespace it was given",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: x}",
      "ClusterRole/r",
    ],
    [
      "an unknown custom resource is namespaced",
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}",
      "Widget/web/w",
    ],
  ])("%s", (_name, text, ref) => {
    expect(build(text).map((m) => formatRef(m.ref))).toEqual([ref]);
  });

  it("learns cluster scope from a CRD in the same render", () => {
    const text = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec: {group: example.com, scope: Cluster, names: {kind: Widget, plural: widgets}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
`;
    expect(build(text).map((m) => formatRef(m.ref))).toEqual([
      "CustomResourceDefinition/widgets.example.com",
      "Widget/w",
    ]);
  });

  it("identifies by group, not version", () => {
    const text =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: apps/v1beta2\nkind: Deployment\nmetadata: {name: a}\n";
    expect(() => build(text)).toThrow("Deployment/web/a is defined twice (first at m.yaml:1)");
  });

  it("tells apart kinds of the same name in different groups", () => {
    const text =
      "apiVersion: example.com/v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n";
    expect(build(text)).toHaveLength(2);
  });

  it("refuses a duplicate that only differs by a defaulted namespace, naming both places", () => {
    const text =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: web}\n";
    const attempt = () => build(text);
    expect(attempt).toThrow(ManifestError);
    expect(attempt).toThrow("m.yaml:5: ConfigMap/web/a is defined twice (first at m.yaml:1)");
  });
});
