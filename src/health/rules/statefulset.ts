import { desiredReplicas, statusNumber } from "../read.js";
import type { Health, LiveObject } from "../types.js";

/** Argo CD's StatefulSet rule: observed, ready, partitioned rolling update, revisions. */
export function statefulSetHealth(s: LiveObject): Health {
  const observed = s.status?.observedGeneration;
  const generation = s.metadata?.generation;
  if (
    observed === undefined ||
    observed === 0 ||
    (typeof generation === "number" && typeof observed === "number" && generation > observed)
  ) {
    return { status: "Progressing", message: "Waiting for statefulset spec update to be observed..." };
  }
  const desired = desiredReplicas(s);
  const ready = statusNumber(s, "readyReplicas");
  if (ready < desired)
    return { status: "Progressing", message: `Waiting for ${desired - ready} pods to be ready...` };
  const strategy = s.spec?.updateStrategy as
    | { type?: string; rollingUpdate?: { partition?: number } }
    | undefined;
  if (strategy?.type === "OnDelete")
    return { status: "Healthy", message: `statefulset has ${ready} ready pods` };
  if (strategy?.type === "RollingUpdate" && strategy.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition ?? 0;
    const updated = statusNumber(s, "updatedReplicas");
    if (updated < desired - partition) {
      return {
        status: "Progressing",
        message: `Waiting for partitioned roll out to finish: ${updated} out of ${desired - partition} new pods have been updated...`,
      };
    }
    return {
      status: "Healthy",
      message: `partitioned roll out complete: ${updated} new pods have been updated...`,
    };
  }
  if (s.status?.updateRevision !== s.status?.currentRevision) {
    return {
      status: "Progressing",
      message: `waiting for statefulset rolling update to complete ${statusNumber(s, "updatedReplicas")} pods at revision ${String(s.status?.updateRevision)}...`,
    };
  }
  return {
    status: "Healthy",
    message: `statefulset rolling update complete ${ready} pods at revision ${String(s.status?.currentRevision)}...`,
  };
}
