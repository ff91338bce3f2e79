import { describe, expect, it } from "vitest";
import { diffManifests, formatImageChange, type ImageChange } from "../../src/diff/index.js";
import { buildObjectSet, parseDocuments } from "../../src/manifests/index.js";

const objects = (text: string) => buildObjectSet(parseDocuments(text, "m.yaml").documents, "web");

const deployment = (image: string, extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: api
        image: ${image}
        ports: [{containerPort: 8080}]
${extra}`;

describe("diffManifests", () => {
  it("classifies added, removed, changed and unchanged objects", () => {
    const base = objects(
      `${deployment("app:1")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\ndata: {a: "1"}\n`,
    );
    const head = objects(
      `${deployment("app:2")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: new}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\ndata: {a: "1"}\n`,
    );
    const { changes, unchanged } = diffManifests(base, head);
    expect(unchanged).toBe(1);
    expect(changes.map((c) => [c.action, c.ref.kind, c.ref.name])).toEqual([
      ["added", "ConfigMap", "new"],
      ["removed", "ConfigMap", "old"],
      ["changed", "Deployment", "api"],
    ]);
  });

  it.each([
    [
      "key order",
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: "1", y: "2"}\n`,
      `kind: ConfigMap\ndata: {y: "2", x: "1"}\nmetadata: {name: a}\napiVersion: v1\n`,
    ],
    [
      "a defaulted TCP protocol",
      deployment("app:1"),
      deployment("app:1").replace("{containerPort: 8080}", "{containerPort: 8080, protocol: TCP}"),
    ],
    [
      "stringData versus the same value in data",
      `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: v}\n`,
      `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: dg==}\n`,
    ],
    [
      "server-set fields and status",
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, uid: x, resourceVersion: "5"}\nstatus: {}\n`,
    ],
    [
      "an explicit default namespace",
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: web}\n`,
    ],
  ])("sees no change for %s", (_name, base, head) => {
    const result = diffManifests(objects(base), objects(head));
    expect(result.changes).toEqual([]);
    expect(result.unchanged).toBe(1);
  });

  it("shows a change as a unified diff with context, in a stable key order", () => {
    const { changes } = diffManifests(
      objects(deployment("app:1")),
      objects(deployment("app:1").replace("replicas: 2", "replicas: 3")),
    );
    expect(changes[0]!.diff).toBe(
      [
        "@@ -4,7 +4,7 @@",
        "   name: api",
        "   namespace: web",
        " spec:",
        "-  replicas: 2",
        "+  replicas: 3",
        "   template:",
        "     spec:",
        "       containers:",
      ].join("\n"),
    );
  });

  it("shows an added object as all additions, and a removed one as all removals", () => {
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n`;
    const [added] = diffManifests([], objects(cm)).changes;
    const [removed] = diffManifests(objects(cm), []).changes;
    expect(
      added!.diff
        .split("\n")
        .slice(1)
        .every((l) => l.startsWith("+")),
    ).toBe(true);
    expect(
      removed!.diff
        .split("\n")
        .slice(1)
        .every((l) => l.startsWith("-")),
    ).toBe(true);
    expect(added!.diff).toContain("+  k: v");
  });

  it("never shows a Secret value, in any encoding, while showing which keys changed", () => {
    const base = objects(
      `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {same: c2FtZS12YWx1ZQ==, changed: b2xkLXZhbHVl, gone: Z29uZS12YWx1ZQ==}\n`,
    );
    const head = objects(
      `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {same: c2FtZS12YWx1ZQ==}\nstringData: {changed: new-value, added: added-value}\n`,
    );
    const [change] = diffManifests(base, head).changes;
    const text = JSON.stringify(change);
    for (const value of ["same-value", "old-value", "gone-value", "new-value", "added-value"]) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString("base64").replace(/=+$/, ""));
    }
    expect(change!.diff).toContain("-  changed: '*** (before)'");
    expect(change!.diff).toContain("+  changed: '*** (after)'");
    expect(change!.diff).toContain("+  added: '***'");
    expect(change!.diff).toContain("-  gone: '***'");
    expect(change!.diff).toContain("   same: '***'");
  });

  it("summarizes image changes per container", () => {
    const [change] = diffManifests(
      objects(deployment("nginx:1.25")),
      objects(deployment("nginx:1.27")),
    ).changes;
    expect(change!.images).toEqual([{ container: "api", before: "nginx:1.25", after: "nginx:1.27" }]);
  });
});

describe("formatImageChange", () => {
  it.each<[ImageChange, string]>([
    [{ container: "c", before: "nginx:1.25", after: "nginx:1.27" }, "nginx:1.25 → 1.27"],
    [
      { container: "c", before: "registry:5000/app:1", after: "registry:5000/app:2" },
      "registry:5000/app:1 → 2",
    ],
    [{ container: "c", before: "app@sha256:aaa", after: "app@sha256:bbb" }, "app@sha256:aaa → sha256:bbb"],
    [{ container: "c", before: "nginx", after: "nginx:1.27" }, "nginx → 1.27"],
    [{ container: "c", before: "nginx:1.25", after: "caddy:2" }, "nginx:1.25 → caddy:2"],
    [{ container: "c", after: "sidecar:1" }, "+ sidecar:1"],
    [{ container: "c", before: "sidecar:1" }, "− sidecar:1"],
  ])("%j reads %s", (change, text) => expect(formatImageChange(change)).toBe(text));
});
