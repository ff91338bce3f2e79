import { describe, expect, it } from "vitest";
import { withMembership } from "../../src/cluster/applyset.js";
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
