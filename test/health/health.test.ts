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

const captured = (name: string) =>
  yaml.load(readFileSync(join(ROOT, "fixtures/health", `${name}.yaml`), "utf8")) as LiveObject;

// One line per object captured from the real test cluster (fixtures/health), as in gitops-engine.
const CAPTURED: Array<[file: string, status: HealthStatus | undefined, message?: RegExp]> = [
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
  ["hpa-v2-failed-metrics", "Degraded"],
  ["crd-established", "Healthy"],
];

describe("assessHealth on objects captured from a real cluster", () => {
  it.each(CAPTURED)("%s → %s", (file, status, message) => {
    const health = assessHealth(captured(file));
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
