import { statusString } from "../read.js";
import type { Health, LiveObject } from "../types.js";

/** A PersistentVolumeClaim by phase: Bound, Pending, Lost. */
export function pvcHealth(p: LiveObject): Health {
  const phase = statusString(p, "phase");
  switch (phase) {
    case "Bound":
      return { status: "Healthy" };
    case "Pending":
      return { status: "Progressing", message: "Waiting for the claim to be bound" };
    case "Lost":
      return { status: "Degraded", message: "The claim lost its volume" };
    default:
      return { status: "Unknown", message: phase ? `phase ${phase}` : "the claim reports no phase" };
  }
}
