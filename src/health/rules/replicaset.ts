import { condition, desiredReplicas, generationBehind, statusNumber } from "../read.js";
import type { Health, LiveObject } from "../types.js";

/** Argo CD's ReplicaSet rule: observed, failing to create pods, available. */
export function replicaSetHealth(r: LiveObject): Health {
  if (generationBehind(r))
    return {
      status: "Progressing",
      message: "Waiting for rollout to finish: observed replica set generation less than desired generation",
    };
  const failure = condition(r, "ReplicaFailure");
  if (failure?.status === "True") return { status: "Degraded", message: failure.message ?? "ReplicaFailure" };
  const desired = desiredReplicas(r);
  const available = statusNumber(r, "availableReplicas");
  if (available < desired)
    return {
      status: "Progressing",
      message: `Waiting for rollout to finish: ${available} out of ${desired} new replicas are available...`,
    };
  return { status: "Healthy" };
}
