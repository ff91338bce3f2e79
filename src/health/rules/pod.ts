import { condition } from "../read.js";
import type { Health, LiveObject } from "../types.js";

interface ContainerStatus {
  name?: string;
  state?: {
    waiting?: { reason?: string; message?: string };
    terminated?: { message?: string; reason?: string; exitCode?: number };
  };
  lastState?: { terminated?: { message?: string; reason?: string; exitCode?: number } };
}

function containerStatuses(p: LiveObject): ContainerStatus[] {
  const all = [p.status?.initContainerStatuses, p.status?.containerStatuses];
  return all.flatMap((list) => (Array.isArray(list) ? (list as ContainerStatus[]) : []));
}

/** Argo CD's Pod rule: crash loops and pull errors first, then the phase and readiness. */
export function podHealth(p: LiveObject): Health {
  const restartPolicy = (p.spec?.restartPolicy as string | undefined) ?? "Always";
  const statuses = containerStatuses(p);
  if (restartPolicy === "Always") {
    for (const c of statuses) {
      const reason = c.state?.waiting?.reason;
      if (reason && (reason.startsWith("Err") || reason.endsWith("Error") || reason.endsWith("BackOff"))) {
        return {
          status: "Degraded",
          message: c.state?.waiting?.message ?? `container ${c.name ?? ""} is waiting: ${reason}`.trim(),
        };
      }
    }
  }
  switch (p.status?.phase) {
    case "Pending":
      return {
        status: "Progressing",
        message: (p.status?.message as string | undefined) ?? "Pod is pending",
      };
    case "Succeeded":
      return { status: "Healthy", message: p.status?.message as string | undefined };
    case "Failed":
      return { status: "Degraded", message: failureMessage(p, statuses) };
    case "Running":
      if (restartPolicy !== "Always")
        return { status: "Progressing", message: p.status?.message as string | undefined };
      if (condition(p, "Ready")?.status === "True")
        return { status: "Healthy", message: p.status?.message as string | undefined };
      for (const c of statuses) {
        const last = c.lastState?.terminated;
        if (last)
          return {
            status: "Degraded",
            message:
              last.message ??
              `container ${c.name ?? ""} last terminated: ${last.reason ?? `exit code ${last.exitCode}`}`,
          };
      }
      return { status: "Progressing", message: "Pod is running but not ready" };
    default:
      return { status: "Unknown", message: p.status?.message as string | undefined };
  }
}

function failureMessage(p: LiveObject, statuses: ContainerStatus[]): string {
  if (typeof p.status?.message === "string") return p.status.message;
  const terminated = statuses.map((c) => c.state?.terminated).filter((t) => t !== undefined);
  const withMessage = terminated.find((t) => t.message);
  if (withMessage?.message) return withMessage.message;
  if (terminated.some((t) => t.reason === "OOMKilled")) return "OOMKilled";
  const failed = terminated.find((t) => t.exitCode !== 0);
  return failed ? `exit code ${failed.exitCode}` : "Pod failed";
}
