import { generationBehind, statusNumber } from "../read.js";
import type { Health, LiveObject } from "../types.js";

/** Argo CD's DaemonSet rule: observed, OnDelete, scheduled and available on every node. */
export function daemonSetHealth(d: LiveObject): Health {
  if (generationBehind(d))
    return {
      status: "Progressing",
      message: "Waiting for rollout to finish: observed daemon set generation less than desired generation",
    };
  if ((d.spec?.updateStrategy as { type?: string } | undefined)?.type === "OnDelete") {
    return {
      status: "Healthy",
      message: `daemon set ${statusNumber(d, "currentNumberScheduled")} out of ${statusNumber(d, "desiredNumberScheduled")} new pods have been updated`,
    };
  }
  const desired = statusNumber(d, "desiredNumberScheduled");
  const updated = statusNumber(d, "updatedNumberScheduled");
  if (updated < desired)
    return {
      status: "Progressing",
      message: `Waiting for daemon set rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    };
  const available = statusNumber(d, "numberAvailable");
  if (available < desired)
    return {
      status: "Progressing",
      message: `Waiting for daemon set rollout to finish: ${available} of ${desired} updated pods are available...`,
    };
  return { status: "Healthy" };
}
