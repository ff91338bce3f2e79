import { condition } from "../read.js";
import type { Health, LiveObject } from "../types.js";

/** Argo CD's Job rule, checking each condition's status (Argo's own code does not). */
export function jobHealth(j: LiveObject): Health {
  const failed = condition(j, "Failed");
  if (failed?.status === "True")
    return { status: "Degraded", message: failed.message ?? failed.reason ?? "Job failed" };
  const complete = condition(j, "Complete");
  if (complete?.status === "True") return { status: "Healthy", message: complete.message };
  const suspended = condition(j, "Suspended");
  if (suspended?.status === "True")
    return { status: "Suspended", message: suspended.message ?? "Job is suspended" };
  return { status: "Progressing", message: "Job is running" };
}
