import { condition, desiredReplicas, generationBehind, statusNumber } from "../read.js";
import type { Health, LiveObject } from "../types.js";

/** Argo CD's Deployment rule: paused, stuck past its progress deadline, or rolling. */
export function deploymentHealth(d: LiveObject): Health {
  if (d.spec?.paused === true) return { status: "Suspended", message: "Deployment is paused" };
  if (generationBehind(d))
    return {
      status: "Progressing",
      message: "Waiting for rollout to finish: observed deployment generation less than desired generation",
    };
  const progressing = condition(d, "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return {
      status: "Degraded",
      message: `Deployment exceeded its progress deadline${progressing.message ? `: ${progressing.message}` : ""}`,
    };
  }
  const desired = desiredReplicas(d);
  const updated = statusNumber(d, "updatedReplicas");
  if (updated < desired)
    return {
      status: "Progressing",
      message: `Waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated...`,
    };
  const replicas = statusNumber(d, "replicas");
  if (replicas > updated)
    return {
      status: "Progressing",
      message: `Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...`,
    };
  const available = statusNumber(d, "availableReplicas");
  if (available < updated)
    return {
      status: "Progressing",
      message: `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    };
  return { status: "Healthy" };
}
