import { describe, expect, it } from "vitest";
import { cascades, withMembership } from "../../src/cluster/applyset.js";
import { applySetId, groupKind, pruneDisabled } from "../../src/cluster/index.js";
import { buildObjectSet, parseDocuments } from "../../src/manifests/index.js";

describe("ApplySet keys", () => {
  it("computes kubectl's id (the KEP's test vector)", () => {
    expect(applySetId({ name: "my-set", namespace: "test", kind: "Secret", group: "" })).toBe(
      "applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1",
    );
  });

  it.each([
    [{ group: "", kind: "ConfigMap" }, "ConfigMap"],
    [{ group: "apps", kind: "Deployment" }, "Deployment.apps"],
  ])("names %j as %s", (ref, name) => expect(groupKind(ref)).toBe(name));

  it("refuses a manifest that sets the membership label itself", () => {
    const objects = buildObjectSet(
      parseDocuments(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {applyset.kubernetes.io/part-of: x}\n",
        "m.yaml",
      ).documents,
      "web",
    );
    expect(() => withMembership(objects, "applyset-y-v1")).toThrow(
      "ConfigMap/a already has the label applyset.kubernetes.io/part-of",
    );
  });

  it.each<[Record<string, string> | undefined, boolean]>([
    [undefined, false],
    [{ "capstan.dev/prune": "disabled" }, true],
    [{ "argocd.argoproj.io/sync-options": "ServerSideApply=true, Prune=false" }, true],
    [{ "argocd.argoproj.io/sync-options": "Prune=true" }, false],
  ])("prune opt-out %j → %s", (annotations, disabled) => expect(pruneDisabled(annotations)).toBe(disabled));
});

describe("prunes that would cascade", () => {
  it.each([
    [{ group: "", kind: "Namespace" }, "deleting a Namespace deletes everything in it"],
    [
      { group: "apiextensions.k8s.io", kind: "CustomResourceDefinition" },
      "deleting a CRD deletes every custom resource of its kind, in every namespace",
    ],
    [
      { group: "", kind: "PersistentVolumeClaim" },
      "deleting a PersistentVolumeClaim can delete its volume and the data on it",
    ],
    [
      { group: "", kind: "PersistentVolume" },
      "deleting a PersistentVolume can delete its volume and the data on it",
    ],
    [{ group: "", kind: "ConfigMap" }, undefined],
    [{ group: "example.com", kind: "Namespace" }, undefined],
  ])("%j: %s", (ref, why) => expect(cascades(ref)).toBe(why));
});

describe("ownership labels", () => {
  const objects = (yaml: string) => buildObjectSet(parseDocuments(yaml, "m.yaml").documents, "web");
  it("marks the Namespaces a repository applies as its own, and nothing else", () => {
    const [ns, cm] = withMembership(
      objects(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
      ),
      "applyset-x-v1",
      { id: 7, name: "acme/shop" },
    );
    expect(ns!.object.metadata.labels).toEqual({
      "applyset.kubernetes.io/part-of": "applyset-x-v1",
      "capstan.dev/repository-id": "7",
    });
    expect(cm!.object.metadata.labels).toEqual({ "applyset.kubernetes.io/part-of": "applyset-x-v1" });
  });

  it("refuses a manifest that claims a repository itself", () => {
    const claimed = objects(
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n  labels: {capstan.dev/repository-id: '8'}\n",
    );
    expect(() => withMembership(claimed, "applyset-x-v1", { id: 7, name: "acme/shop" })).toThrow(
      "Namespace/web already has the label capstan.dev/repository-id",
    );
  });
});
