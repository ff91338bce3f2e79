import { desiredReplicas, section, statusNumber, statusString } from "../read.js";
import type { Health, LiveObject } from "../types.js";

/** Argo CD's StatefulSet rule: observed, ready, partitioned rolling update, revisions. */
export function statefulSetHealth(s: LiveObject): Health {
  const observed = section(s, "status")?.observedGeneration;
  const generation = section(s, "metadata")?.generation;
  if (
    typeof observed !== "number" ||
    observed === 0 ||
    (typeof generation === "number" && generation > observed)
  ) {
    return { status: "Progressing", message: "Waiting for statefulset spec update to be observed..." };
  }
  const desired = desiredReplicas(s);
  const ready = statusNumber(s, "readyReplicas");
  if (ready < desired)
    return { status: "Progressing", message: `Waiting for ${desired - ready} pods to be ready...` };
  const strategy = section(section(s, "spec"), "updateStrategy");
  if (strategy?.type === "OnDelete")
    return { status: "Healthy", message: `statefulset has ${ready} ready pods` };
  const rollingUpdate = section(strategy, "rollingUpdate");
  if (strategy?.type === "RollingUpdate" && rollingUpdate) {
    const partition = typeof rollingUpdate.partition === "number" ? rollingUpdate.partition : 0;
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
  const updateRevision = statusString(s, "updateRevision");
  const currentRevision = statusString(s, "currentRevision");
  if (updateRevision !== currentRevision) {
    return {
      status: "Progressing",
      message: `waiting for statefulset rolling update to complete ${statusNumber(s, "updatedReplicas")} pods at revision ${updateRevision ?? "unknown"}...`,
    };
  }
  return {
    status: "Healthy",
    message: `statefulset rolling update complete ${ready} pods at revision ${currentRevision ?? "unknown"}...`,
  };
}
