import { condition, conditions, section } from "../read.js";
import type { Health, LiveObject } from "../types.js";

/** An APIService is Healthy when Available. */
export function apiServiceHealth(a: LiveObject): Health {
  const available = condition(a, "Available");
  return available?.status === "True"
    ? { status: "Healthy" }
    : { status: "Progressing", message: available?.message ?? "Waiting for the API service" };
}

/** A CRD: names accepted, a structural schema, and Established. */
export function crdHealth(c: LiveObject): Health {
  const names = condition(c, "NamesAccepted");
  if (names?.status === "False")
    return { status: "Degraded", message: names.message ?? "names not accepted" };
  const nonStructural = condition(c, "NonStructuralSchema");
  if (nonStructural?.status === "True")
    return { status: "Degraded", message: nonStructural.message ?? "non-structural schema" };
  const established = condition(c, "Established");
  if (established?.status === "True") return { status: "Healthy" };
  if (conditions(c).length === 0 || established?.reason === "Installing")
    return { status: "Progressing", message: "Waiting for the CRD to be established" };
  return { status: "Degraded", message: established?.message ?? "the CRD is not established" };
}

/**
 * kstatus's generic rule for other custom resources: observed generation, Stalled, Reconciling, Ready.
 * Without a Ready condition a resource has no health.
 */
export function genericHealth(o: LiveObject): Health | undefined {
  const generation = section(o, "metadata")?.generation;
  const observed = section(o, "status")?.observedGeneration;
  if (typeof generation === "number" && typeof observed === "number" && generation > observed) {
    return { status: "Progressing", message: "Waiting for the controller to observe the latest generation" };
  }
  const stalled = condition(o, "Stalled");
  if (stalled?.status === "True")
    return { status: "Degraded", message: stalled.message ?? stalled.reason ?? "Stalled" };
  const reconciling = condition(o, "Reconciling");
  if (reconciling?.status === "True")
    return { status: "Progressing", message: reconciling.message ?? "Reconciling" };
  const ready = condition(o, "Ready");
  if (!ready) return undefined;
  return ready.status === "True"
    ? { status: "Healthy", message: ready.message }
    : { status: "Progressing", message: ready.message ?? "Not ready yet" };
}
