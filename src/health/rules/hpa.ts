import { asString, conditionList, conditions, section } from "../read.js";
import type { Condition, Health, LiveObject } from "../types.js";

// The reasons Argo CD calls Degraded, each on the one condition type the HPA controller reports it on (a
// FailedGetScale on ScalingActive is not one of them). A Map, so that a condition typed "constructor"
// finds nothing rather than one of Object's own properties.
const DEGRADED: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["AbleToScale", new Set(["FailedGetScale", "FailedUpdateScale"])],
  [
    "ScalingActive",
    new Set([
      "FailedGetResourceMetric",
      "FailedGetObjectMetric",
      "FailedGetPodsMetric",
      "FailedGetExternalMetric",
      "FailedComputeMetricsReplicas",
      "InvalidSelector",
    ]),
  ],
]);

const HEALTHY_TYPES = new Set(["AbleToScale", "ScalingLimited"]);

const WAITING: Health = { status: "Progressing", message: "Waiting to Autoscale" };

/**
 * Argo CD's HPA rule. Degraded conditions win wherever they are in the list, so an HPA that can scale but
 * cannot read its metrics is Degraded (Argo CD since argo-cd#26274; before it, the first matching condition
 * won and the same HPA was Healthy). Otherwise the first AbleToScale or ScalingLimited that is True makes
 * it Healthy, and anything else is still waiting. autoscaling/v1 keeps its conditions in an annotation.
 */
export function hpaHealth(h: LiveObject): Health {
  const list = h.apiVersion === "autoscaling/v1" ? annotationConditions(h) : conditions(h);
  if (!Array.isArray(list)) return list;
  const degraded = list.find((c) => c.type && c.reason && DEGRADED.get(c.type)?.has(c.reason));
  if (degraded) return { status: "Degraded", message: degraded.message ?? degraded.reason };
  const healthy = list.find((c) => c.type && HEALTHY_TYPES.has(c.type) && c.status === "True");
  if (healthy) return { status: "Healthy", message: healthy.message };
  return WAITING;
}

// As Argo CD does, a v1 HPA without the annotation is waiting, and one whose annotation is not a JSON list
// cannot be judged at all.
function annotationConditions(h: LiveObject): Condition[] | Health {
  const annotations = section(section(h, "metadata"), "annotations");
  const raw = annotations?.["autoscaling.alpha.kubernetes.io/conditions"];
  if (raw === undefined) return [];
  const text = asString(raw);
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed))
    return { status: "Unknown", message: "the conditions annotation is not a JSON list" };
  return conditionList(parsed);
}
