import type { Health, LiveObject } from "../types.js";

/** A PersistentVolumeClaim by phase: Bound, Pending, Lost. */
export function pvcHealth(p: LiveObject): Health {
  switch (p.status?.phase) {
    case "Bound":
      return { status: "Healthy" };
    case "Pending":
      return { status: "Progressing", message: "Waiting for the claim to be bound" };
    case "Lost":
      return { status: "Degraded", message: "The claim lost its volume" };
    default:
      return { status: "Unknown", message: `phase ${String(p.status?.phase)}` };
  }
}
