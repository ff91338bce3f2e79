import { asString, condition, isRecord, section, statusString } from "../read.js";
import type { Health, HealthOptions, LiveObject } from "../types.js";

interface Terminated {
  message?: string;
  reason?: string;
  exitCode?: number;
}

// A container's status reduced to the fields the rule reads, each of the type it must have: the cluster's
// own objects always fit, but a malformed one must not make the rule throw.
interface ContainerStatus {
  name?: string;
  waiting?: { reason?: string; message?: string };
  terminated?: Terminated;
  lastTerminated?: Terminated;
}

function terminated(state: unknown): Terminated | undefined {
  const t = section(state, "terminated");
  if (!t) return undefined;
  return {
    message: asString(t.message),
    reason: asString(t.reason),
    exitCode: typeof t.exitCode === "number" ? t.exitCode : undefined,
  };
}

function containerStatuses(p: LiveObject): ContainerStatus[] {
  const status = section(p, "status");
  const all = [status?.initContainerStatuses, status?.containerStatuses];
  return all
    .flatMap((list) => (Array.isArray(list) ? list.filter(isRecord) : []))
    .map((c) => {
      const waiting = section(section(c, "state"), "waiting");
      return {
        name: asString(c.name),
        waiting: waiting && { reason: asString(waiting.reason), message: asString(waiting.message) },
        terminated: terminated(c.state),
        lastTerminated: terminated(c.lastState),
      };
    });
}

/**
 * Argo CD's Pod rule: crash loops and pull errors first, then the phase and readiness. A container's
 * termination message is shown only when `options` asks for it.
 */
export function podHealth(p: LiveObject, options: HealthOptions = {}): Health {
  const restartPolicy = asString(section(p, "spec")?.restartPolicy) ?? "Always";
  const statuses = containerStatuses(p);
  if (restartPolicy === "Always") {
    for (const c of statuses) {
      const reason = c.waiting?.reason;
      if (reason && (reason.startsWith("Err") || reason.endsWith("Error") || reason.endsWith("BackOff"))) {
        return {
          status: "Degraded",
          message: c.waiting?.message ?? `container ${c.name ?? ""} is waiting: ${reason}`.trim(),
        };
      }
    }
  }
  const message = statusString(p, "message");
  switch (statusString(p, "phase")) {
    case "Pending":
      return {
        status: "Progressing",
        message: message ?? "Pod is pending",
      };
    case "Succeeded":
      return { status: "Healthy", message: message };
    case "Failed":
      return { status: "Degraded", message: message ?? failureMessage(statuses, options) };
    case "Running":
      if (restartPolicy !== "Always") return { status: "Progressing", message: message };
      if (condition(p, "Ready")?.status === "True") return { status: "Healthy", message: message };
      for (const c of statuses) {
        const last = c.lastTerminated;
        if (last)
          return {
            status: "Degraded",
            message: `container ${c.name ?? ""} last ${termination(last, options)}`,
          };
      }
      return { status: "Progressing", message: "Pod is running but not ready" };
    default:
      return { status: "Unknown", message: message };
  }
}

// A container's termination message is not shown unless the operator asks: with `FallbackToLogsOnError`
// it is the tail of the crashed container's log, where connection strings and passwords often are. Its
// reason and exit code say what happened without it.
function failureMessage(statuses: ContainerStatus[], options: HealthOptions): string {
  const terminated = statuses.map((c) => c.terminated).filter((t) => t !== undefined);
  if (terminated.some((t) => t.reason === "OOMKilled")) return "OOMKilled";
  const failed = terminated.find((t) => t.exitCode !== 0);
  return failed ? termination(failed, options) : "Pod failed";
}

// The kubelet keeps up to 4 KiB of a termination message; a deploy report shows one line of it.
const MAX_TERMINATION_MESSAGE = 300;

function termination(t: Terminated, options: HealthOptions): string {
  const what = `terminated: ${t.reason ?? "Error"}${t.exitCode !== undefined ? ` (exit code ${t.exitCode})` : ""}`;
  const message = options.terminationMessages ? t.message?.trim().replace(/\s+/g, " ") : undefined;
  if (!message) return what;
  return `${what}: ${message.length > MAX_TERMINATION_MESSAGE ? `${message.slice(0, MAX_TERMINATION_MESSAGE)}…` : message}`;
}
