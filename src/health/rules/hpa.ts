import { conditions } from "../read.js";
import type { Condition, Health, LiveObject } from "../types.js";

const DEGRADED = new Set([
  "FailedGetScale",
  "FailedUpdateScale",
  "FailedGetResourceMetric",
  "FailedGetObjectMetric",
  "FailedGetPodsMetric",
  "FailedGetExternalMetric",
  "FailedComputeMetricsReplicas",
  "InvalidSelector",
]);

/** Argo CD's HPA rule; autoscaling/v1 keeps its conditions in an annotation. */
export function hpaHealth(h: LiveObject): Health {
  let list: Condition[] = conditions(h);
  const annotation = h.metadata?.annotations?.["autoscaling.alpha.kubernetes.io/conditions"];
  if (h.apiVersion === "autoscaling/v1" && annotation) {
    try {
      list = JSON.parse(annotation) as Condition[];
    } catch {
      return { status: "Unknown", message: "the conditions annotation is not JSON" };
    }
  }
  const failing = list.find(
    (c) =>
      (c.type === "AbleToScale" || c.type === "ScalingActive") &&
      c.reason !== undefined &&
      DEGRADED.has(c.reason),
  );
  if (failing) return { status: "Degraded", message: failing.message ?? failing.reason };
  if (list.some((c) => (c.type === "AbleToScale" || c.type === "ScalingLimited") && c.status === "True"))
    return { status: "Healthy" };
  return { status: "Progressing", message: "Waiting for the autoscaler to report" };
}
