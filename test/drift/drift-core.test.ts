import { describe, expect, it } from "vitest";
import {
  changedPaths,
  desiredForDrift,
  formatPath,
  formatWriter,
  hpaTargets,
  isIgnored,
  objectDrift,
  writersOf,
} from "../../src/drift/index.js";
import type { KubeObject, ObjectRef } from "../../src/manifests/index.js";

const ref: ObjectRef = { group: "apps", kind: "Deployment", namespace: "shop", name: "web" };

// A live Deployment as the apiserver returns it after Capstan applied it and someone ran `kubectl set image`.
const live = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    namespace: "shop",
    resourceVersion: "42",
    managedFields: [
      {
        manager: "capstan",
        operation: "Apply",
        time: "2026-12-01T10:00:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:spec": {
            "f:replicas": {},
            "f:template": { "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:name": {} } } } },
          },
        },
      },
      {
        manager: "kubectl-set",
        operation: "Update",
        time: "2026-12-01T14:08:31Z",
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:spec": {
            "f:template": {
              "f:spec": {
                "f:containers": {
                  'k:{"name":"web"}': {
                    "f:image": {},
                    "f:env": { ".": {}, 'k:{"name":"DEBUG"}': { ".": {}, "f:name": {}, "f:value": {} } },
                  },
                },
              },
            },
          },
        },
      },
      {
        manager: "kube-controller-manager",
        operation: "Update",
        subresource: "scale",
        time: "2026-12-01T14:10:00Z",
        fieldsType: "FieldsV1",
        fieldsV1: { "f:spec": { "f:replicas": {} } },
      },
    ],
  },
  spec: {
    replicas: 5,
    template: {
      spec: {
        containers: [{ name: "web", image: "web:2", env: [{ name: "DEBUG", value: "1" }] }],
      },
    },
  },
  status: { replicas: 5 },
};

// What a heal would make of it: the image back, replicas as Git has them, the added env var kept.
const applied = structuredClone(live);
applied.spec.template.spec.containers[0]!.image = "web:1";
applied.spec.replicas = 2;
applied.metadata.resourceVersion = "43";
applied.status = { replicas: 0 };

describe("drift of one object", () => {
  it("finds the changed fields, and not server-set metadata or status", () => {
    expect(changedPaths(live, applied)).toEqual([
      ["spec", "replicas"],
      ["spec", "template", "spec", "containers", 0, "image"],
    ]);
  });

  it("names the last writer of a field from managedFields, list items matched by their keys", () => {
    expect(writersOf(live, ["spec", "template", "spec", "containers", 0, "image"]).map(formatWriter)).toEqual(
      ["kubectl-set (Update) 14:08Z"],
    );
    expect(writersOf(live, ["spec", "replicas"]).map(formatWriter)).toEqual([
      "kube-controller-manager (Update via /scale) 14:10Z",
      "capstan (Apply) 10:00Z",
    ]);
  });

  it("reports the hand-edited image as modified and the added env var as a foreign addition; replicas written through /scale are not drift", () => {
    const findings = objectDrift({ ref, live, applied }, [], "capstan");
    expect(findings).toEqual([
      {
        change: "modified",
        ref,
        fields: [
          {
            path: "spec.template.spec.containers[name=web].image",
            writer: { manager: "kubectl-set", operation: "Update", time: "2026-12-01T14:08:31Z" },
            live: "web:2",
            revision: "web:1",
          },
        ],
      },
      {
        change: "foreign-additions",
        ref,
        fields: [
          {
            path: "spec.template.spec.containers[name=web].env[name=DEBUG]",
            writer: { manager: "kubectl-set", operation: "Update", time: "2026-12-01T14:08:31Z" },
          },
        ],
      },
    ]);
  });

  it("shows a drifted Secret's keys, never its values, live or in the revision", () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db", namespace: "shop", managedFields: [] },
      data: { password: Buffer.from("live-hunter2").toString("base64") },
    };
    const wanted = { ...secret, data: { password: Buffer.from("git-hunter2").toString("base64") } };
    const findings = objectDrift(
      { ref: { group: "", kind: "Secret", namespace: "shop", name: "db" }, live: secret, applied: wanted },
      [],
      "capstan",
    );
    expect(findings).toMatchObject([
      {
        change: "modified",
        fields: [{ path: "data.password", live: "*** (before)", revision: "*** (after)" }],
      },
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/hunter2|aHVudGVy|bGl2ZS1odW50ZXIy|Z2l0LWh1bnRlcjI/);
  });

  it.each([
    ["a rule for the field", [{ paths: ["/spec/template/spec/containers/0/image"] }], true],
    ["a rule for a parent", [{ paths: ["/spec/template"] }], true],
    [
      "a rule for the object by kind and name",
      [{ paths: ["/spec"], target: { kind: "Deployment", name: "web" } }],
      true,
    ],
    ["a rule for another object", [{ paths: ["/spec"], target: { name: "api" } }], false],
    [
      "a rule for a sibling whose name starts the same",
      [{ paths: ["/spec/template/spec/containers/0/im"] }],
      false,
    ],
  ])("lets %s ignore the field: %s", (_name, rules, ignored) => {
    expect(isIgnored(ref, ["spec", "template", "spec", "containers", 0, "image"], rules)).toBe(ignored);
  });

  it("takes the replicas of a workload an HPA scales, and injected CA bundles, as they are live", () => {
    const desired = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "shop" },
      spec: { replicas: 2 },
    } as KubeObject;
    const scaled = hpaTargets([
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "web", namespace: "shop" },
        spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" } },
      } as KubeObject,
    ]);
    expect(desiredForDrift(desired, scaled, live).spec).toEqual({ replicas: 5 });
    expect(desiredForDrift(desired, new Set(), live).spec).toEqual({ replicas: 2 });
    const hook = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "v" },
      webhooks: [{ name: "a", clientConfig: { service: { name: "s", namespace: "n" } } }],
    } as unknown as KubeObject;
    const injected = { webhooks: [{ name: "a", clientConfig: { caBundle: "LS0t", service: {} } }] };
    expect(desiredForDrift(hook, new Set(), injected).webhooks).toEqual([
      { name: "a", clientConfig: { caBundle: "LS0t", service: { name: "s", namespace: "n" } } },
    ]);
  });

  it("shows paths the way people read them", () => {
    expect(formatPath(live, ["spec", "template", "spec", "containers", 0, "env", 0, "value"])).toBe(
      "spec.template.spec.containers[name=web].env[name=DEBUG].value",
    );
    expect(
      formatPath({ metadata: { annotations: { "a.b/c": "x" } } }, ["metadata", "annotations", "a.b/c"]),
    ).toBe('metadata.annotations["a.b/c"]');
  });
});
