import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import {
  assessHealth,
  combineHealth,
  type HealthStatus,
  isWorse,
  type LiveObject,
} from "../../src/health/index.js";
import { ROOT } from "../helpers/fixtures.js";

const fixture = (name: string) =>
  yaml.load(readFileSync(join(ROOT, "fixtures/health", `${name}.yaml`), "utf8")) as LiveObject;

// One line per file in fixtures/health, as in gitops-engine: objects captured from the real test cluster,
// then Argo CD's own HPA cases (argo-cd/) with the verdict Argo CD's TestHPA gives each.
const FIXTURES: Array<[file: string, status: HealthStatus | undefined, message?: RegExp]> = [
  ["deployment-healthy", "Healthy"],
  ["deployment-progress-deadline-exceeded", "Degraded", /exceeded its progress deadline/],
  ["deployment-rollout-not-ready", "Progressing", /0 of 1 updated replicas are available/],
  ["deployment-paused", "Suspended"],
  ["statefulset-healthy", "Healthy"],
  ["daemonset-healthy", "Healthy"],
  ["replicaset-healthy", "Healthy"],
  ["job-complete", "Healthy"],
  ["pod-crashloop", "Degraded", /CrashLoopBackOff|back-off/i],
  ["pod-running-not-ready", "Progressing"],
  ["pod-running-ready", "Healthy"],
  ["pod-succeeded", "Healthy"],
  ["pvc-pending", "Progressing"],
  ["service-loadbalancer-pending", "Progressing"],
  // Able to scale, but no metrics-server: Degraded, because Argo CD looks for a failing condition in the
  // whole list before it looks for a healthy one.
  ["hpa-v2-failed-metrics", "Degraded", /unable to fetch metrics from resource metrics API/],
  ["hpa-v2-able-to-scale-no-metrics", "Degraded", /no metrics returned/],
  ["crd-established", "Healthy"],
  ["argo-cd/hpa-v2-healthy", "Healthy", /recommended size matches current size/],
  ["argo-cd/hpa-v2-degraded", "Degraded", /unable to get the target's current scale/],
  ["argo-cd/hpa-v2-progressing", "Progressing", /Waiting to Autoscale/],
  ["argo-cd/hpa-v2beta2-healthy", "Healthy"],
  ["argo-cd/hpa-v2beta1-healthy-disabled", "Healthy"],
  ["argo-cd/hpa-v2beta1-healthy", "Healthy"],
  ["argo-cd/hpa-v1-degraded", "Degraded"],
  // The case that tells the two orders apart: AbleToScale True comes first, the failing metric after it.
  ["argo-cd/hpa-v1-degraded-failedgetobjectmetric", "Degraded", /tomcat_sessions_active_current_sessions/],
  ["argo-cd/hpa-v1-healthy", "Healthy"],
  ["argo-cd/hpa-v1-healthy-toofew", "Healthy"],
  ["argo-cd/hpa-v1-progressing", "Progressing"],
  ["argo-cd/hpa-v1-progressing-with-no-annotations", "Progressing"],
];

describe("assessHealth on the objects in fixtures/health", () => {
  it.each(FIXTURES)("%s → %s", (file, status, message) => {
    const health = assessHealth(fixture(file));
    expect(health?.status).toBe(status);
    if (message) expect(health?.message).toMatch(message);
  });
});

const deployment = (
  status: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  generation = 1,
): LiveObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "d", generation },
  spec: { replicas: 3, ...spec },
  status: { observedGeneration: 1, ...status },
});

describe("assessHealth rules", () => {
  it.each<[string, LiveObject, HealthStatus | undefined]>([
    [
      "a Deployment whose new spec is not yet observed",
      deployment({ updatedReplicas: 3, replicas: 3, availableReplicas: 3 }, {}, 2),
      "Progressing",
    ],
    [
      "a Deployment with old pods terminating",
      deployment({ updatedReplicas: 3, replicas: 4, availableReplicas: 3 }),
      "Progressing",
    ],
    [
      "a Deployment still updating",
      deployment({ updatedReplicas: 1, replicas: 3, availableReplicas: 3 }),
      "Progressing",
    ],
    [
      "an object being deleted",
      { ...deployment({}), metadata: { name: "d", deletionTimestamp: "2026-01-01T00:00:00Z" } },
      "Progressing",
    ],
    [
      "an object opted out of health",
      {
        ...deployment({}),
        metadata: { name: "d", annotations: { "argocd.argoproj.io/ignore-healthcheck": "true" } },
      },
      undefined,
    ],
    ["a ConfigMap (no health)", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }, undefined],
    [
      "a Role (no health)",
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "r" } },
      undefined,
    ],
    [
      "a failed Job",
      {
        apiVersion: "batch/v1",
        kind: "Job",
        status: { conditions: [{ type: "Failed", status: "True", message: "BackoffLimitExceeded" }] },
      },
      "Degraded",
    ],
    [
      "a Job whose Failed condition is False",
      { apiVersion: "batch/v1", kind: "Job", status: { conditions: [{ type: "Failed", status: "False" }] } },
      "Progressing",
    ],
    [
      "a suspended Job",
      {
        apiVersion: "batch/v1",
        kind: "Job",
        status: { conditions: [{ type: "Suspended", status: "True" }] },
      },
      "Suspended",
    ],
    [
      "a failed Pod, OOMKilled",
      {
        apiVersion: "v1",
        kind: "Pod",
        spec: { restartPolicy: "Never" },
        status: {
          phase: "Failed",
          containerStatuses: [{ state: { terminated: { reason: "OOMKilled", exitCode: 137 } } }],
        },
      },
      "Degraded",
    ],
    [
      "a Pod that cannot pull its image",
      {
        apiVersion: "v1",
        kind: "Pod",
        status: {
          phase: "Pending",
          containerStatuses: [{ state: { waiting: { reason: "ImagePullBackOff" } } }],
        },
      },
      "Degraded",
    ],
    [
      "a lost PVC",
      { apiVersion: "v1", kind: "PersistentVolumeClaim", status: { phase: "Lost" } },
      "Degraded",
    ],
    ["a ClusterIP Service", { apiVersion: "v1", kind: "Service", spec: { type: "ClusterIP" } }, "Healthy"],
    [
      "an Ingress with an address",
      {
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        status: { loadBalancer: { ingress: [{ ip: "10.0.0.1" }] } },
      },
      "Healthy",
    ],
    [
      "an HPA v1 reading conditions from its annotation",
      {
        apiVersion: "autoscaling/v1",
        kind: "HorizontalPodAutoscaler",
        metadata: {
          annotations: {
            "autoscaling.alpha.kubernetes.io/conditions":
              '[{"type":"AbleToScale","status":"True","reason":"SucceededRescale"}]',
          },
        },
      },
      "Healthy",
    ],
    [
      "an HPA whose failing condition comes after a healthy one (Argo CD looks for failures first)",
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        status: {
          conditions: [
            { type: "ScalingLimited", status: "True", reason: "TooFewReplicas" },
            { type: "AbleToScale", status: "False", reason: "FailedUpdateScale" },
          ],
        },
      },
      "Degraded",
    ],
    [
      "an HPA with a failure reason on a condition type Argo CD does not pair it with",
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        status: {
          conditions: [
            { type: "ScalingActive", status: "False", reason: "FailedGetScale" },
            { type: "AbleToScale", status: "True", reason: "FailedGetResourceMetric" },
          ],
        },
      },
      "Healthy",
    ],
    [
      "a CRD whose names clash",
      {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        status: { conditions: [{ type: "NamesAccepted", status: "False" }] },
      },
      "Degraded",
    ],
    [
      "a custom resource that is Ready",
      {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { generation: 2 },
        status: { observedGeneration: 2, conditions: [{ type: "Ready", status: "True" }] },
      },
      "Healthy",
    ],
    [
      "a stalled custom resource",
      {
        apiVersion: "example.com/v1",
        kind: "Widget",
        status: { conditions: [{ type: "Stalled", status: "True", message: "bad spec" }] },
      },
      "Degraded",
    ],
    [
      "a custom resource without conditions (no health)",
      { apiVersion: "example.com/v1", kind: "Widget" },
      undefined,
    ],
    [
      "Argo CD's Application (no built-in health)",
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        status: { conditions: [{ type: "Ready", status: "True" }] },
      },
      undefined,
    ],
  ])("%s → %s", (_name, object, status) => {
    expect(assessHealth(object)?.status).toBe(status);
  });
});

// Status as a careless controller, a hand-edited fixture or a hostile PR may write it. Each shape reads as
// if the malformed part were absent, so every kind gets the verdict the shared reference gives an object
// that has not reported yet, and no rule throws.
const MALFORMED_STATUS: Array<[shape: string, status: unknown]> = [
  ["conditions: [null]", { conditions: [null] }],
  ["conditions that are not maps", { conditions: [42, "Ready", ["Ready", "True"], true] }],
  ["conditions that are not a list", { conditions: "Ready" }],
  ["conditions as a map", { conditions: { type: "Ready", status: "True" } }],
  [
    "condition fields of the wrong type",
    { conditions: [{ type: { toString: 1 }, status: ["True"], reason: 5, message: { toString: 1 } }] },
  ],
  ["status as a string", "Running"],
  ["status as a list", [{ type: "Ready", status: "True" }]],
  ["status: null", null],
];

const KINDS: Array<[kind: string, object: LiveObject, status: HealthStatus | undefined]> = [
  ["Deployment", { apiVersion: "apps/v1", kind: "Deployment", spec: { replicas: 1 } }, "Progressing"],
  ["StatefulSet", { apiVersion: "apps/v1", kind: "StatefulSet", spec: { replicas: 1 } }, "Progressing"],
  ["DaemonSet", { apiVersion: "apps/v1", kind: "DaemonSet" }, "Progressing"],
  ["ReplicaSet", { apiVersion: "apps/v1", kind: "ReplicaSet", spec: { replicas: 1 } }, "Progressing"],
  ["Pod", { apiVersion: "v1", kind: "Pod" }, "Unknown"],
  ["Job", { apiVersion: "batch/v1", kind: "Job" }, "Progressing"],
  [
    "LoadBalancer Service",
    { apiVersion: "v1", kind: "Service", spec: { type: "LoadBalancer" } },
    "Progressing",
  ],
  ["Ingress", { apiVersion: "networking.k8s.io/v1", kind: "Ingress" }, "Progressing"],
  ["PersistentVolumeClaim", { apiVersion: "v1", kind: "PersistentVolumeClaim" }, "Unknown"],
  ["HPA v2", { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler" }, "Progressing"],
  ["APIService", { apiVersion: "apiregistration.k8s.io/v1", kind: "APIService" }, "Progressing"],
  ["CRD", { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" }, "Progressing"],
  // kstatus's rule: without a readable Ready condition a custom resource has no health.
  ["custom resource", { apiVersion: "example.com/v1", kind: "Widget" }, undefined],
];

describe("assessHealth on a malformed status", () => {
  const cases = KINDS.flatMap(([kind, object, status]) =>
    MALFORMED_STATUS.map(([shape, malformed]) => ({
      name: `a ${kind} with ${shape}`,
      // Real objects always carry a generation; the rules that compare it must see one.
      object: { ...object, metadata: { name: "x", generation: 1 }, status: malformed } as LiveObject,
      status,
    })),
  );
  it.each(cases)("$name → $status", ({ object, status }) => {
    expect(assessHealth(object)?.status).toBe(status);
  });
});

const pod = (status: unknown, spec: Record<string, unknown> = {}): LiveObject =>
  ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec, status }) as LiveObject;
const hpaV1 = (conditions: unknown): LiveObject =>
  ({
    apiVersion: "autoscaling/v1",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: "h", annotations: { "autoscaling.alpha.kubernetes.io/conditions": conditions } },
  }) as LiveObject;

describe("assessHealth on malformed fields each rule reads", () => {
  it.each<[string, unknown, HealthStatus | undefined]>([
    ["an object that is null", null, "Unknown"],
    ["an object that is a string", "Deployment", "Unknown"],
    ["an apiVersion that is not a string", { apiVersion: 1, kind: "Deployment" }, undefined],
    [
      "metadata and annotations that are not maps",
      { apiVersion: "batch/v1", kind: "Job", metadata: "x", status: { conditions: [] } },
      "Progressing",
    ],
    [
      "a running Pod whose container statuses are null, numbers, or have a numeric waiting reason",
      pod({ phase: "Running", containerStatuses: [null, 5, { state: { waiting: { reason: 5 } } }] }),
      "Progressing",
    ],
    [
      "a failed Pod whose terminated state is null",
      pod(
        { phase: "Failed", containerStatuses: [{ state: { terminated: null } }] },
        { restartPolicy: "Never" },
      ),
      "Degraded",
    ],
    ["a Pod whose phase is a number", pod({ phase: 3 }), "Unknown"],
    [
      "a PVC whose phase is a map",
      { apiVersion: "v1", kind: "PersistentVolumeClaim", status: { phase: {} } },
      "Unknown",
    ],
    [
      "a StatefulSet whose partition and revisions are not what they should be",
      {
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        spec: { replicas: 1, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: "1" } } },
        status: {
          observedGeneration: 1,
          readyReplicas: 1,
          updatedReplicas: 0,
          updateRevision: { toString: 1 },
        },
      },
      "Progressing",
    ],
    ["an HPA v1 whose conditions annotation is not JSON", hpaV1("[{"), "Unknown"],
    ["an HPA v1 whose conditions annotation is a JSON map", hpaV1('{"type":"AbleToScale"}'), "Unknown"],
    ["an HPA v1 whose conditions annotation is not a string", hpaV1(5), "Unknown"],
    ["an HPA v1 whose conditions annotation is JSON null", hpaV1("null"), "Progressing"],
    ["an HPA v1 whose conditions are null and numbers", hpaV1("[null, 5]"), "Progressing"],
    [
      "an HPA whose condition types are Object's own property names",
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        status: {
          conditions: [
            { type: "constructor", reason: "x" },
            { type: "toString", reason: "hasOwnProperty" },
          ],
        },
      },
      "Progressing",
    ],
  ])("%s → %s", (_name, object, status) => {
    expect(assessHealth(object as LiveObject)?.status).toBe(status);
  });
});

describe("termination messages", () => {
  // With FallbackToLogsOnError the message is the tail of the container's log: a connection string there
  // would reach the PR comment, the revert PR and the Deployment.
  const log = "FATAL could not connect to postgres://app:hunter2-from-log@db:5432/app";
  it.each<[string, Record<string, unknown>, string]>([
    [
      "a running pod whose container crashed before",
      {
        phase: "Running",
        conditions: [{ type: "Ready", status: "False" }],
        containerStatuses: [
          {
            name: "api",
            state: { running: {} },
            lastState: { terminated: { reason: "Error", exitCode: 1, message: log } },
          },
        ],
      },
      "container api last terminated: Error (exit code 1)",
    ],
    [
      "a failed pod",
      {
        phase: "Failed",
        containerStatuses: [
          { name: "job", state: { terminated: { reason: "Error", exitCode: 3, message: log } } },
        ],
      },
      "terminated: Error (exit code 3)",
    ],
  ])(
    "are not shown unless the server config asks, only reason and exit code: %s",
    (name, status, message) => {
      const pod = podWith(name, status);
      const health = assessHealth(pod);
      expect(health).toEqual({ status: "Degraded", message });
      expect(JSON.stringify(health)).not.toContain("hunter2");
      // A cluster with `terminationMessages: true`: the operator chose to show them, on one line, cut short.
      expect(assessHealth(pod, { terminationMessages: true })).toEqual({
        status: "Degraded",
        message: `${message}: ${log}`,
      });
    },
  );

  it("shows at most 300 characters of one, on one line, when asked", () => {
    const long = `line one\n${"x".repeat(4000)}`;
    const pod = podWith("a failed pod", {
      phase: "Failed",
      containerStatuses: [
        { name: "job", state: { terminated: { reason: "Error", exitCode: 3, message: long } } },
      ],
    });
    const message = assessHealth(pod, { terminationMessages: true })?.message ?? "";
    expect(message).toBe(`terminated: Error (exit code 3): ${`line one ${"x".repeat(4000)}`.slice(0, 300)}…`);
  });

  function podWith(name: string, status: Record<string, unknown>): LiveObject {
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "n" },
      spec: { restartPolicy: name.includes("failed") ? "Never" : "Always", containers: [{ name: "api" }] },
      status,
    } as unknown as LiveObject;
  }
});

describe("combining verdicts", () => {
  it("takes the worst: Healthy < Suspended < Progressing < Missing < Degraded < Unknown", () => {
    expect(combineHealth([])).toBe("Healthy");
    expect(combineHealth(["Healthy", "Suspended"])).toBe("Suspended");
    expect(combineHealth(["Progressing", "Missing", "Healthy"])).toBe("Missing");
    expect(combineHealth(["Degraded", "Unknown", "Progressing"])).toBe("Unknown");
    expect(isWorse("Degraded", "Missing")).toBe(true);
    expect(isWorse("Suspended", "Progressing")).toBe(false);
  });
});
