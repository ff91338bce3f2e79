import { isRecord } from "./record.js";
import type { KubeObject } from "./types.js";

/** A container as far as Capstan reads it. */
export interface Container {
  name?: string;
  image?: string;
  ports?: Array<Record<string, unknown>>;
  [field: string]: unknown;
}

/**
 * The pod spec inside a workload: a Pod's `spec`, a controller's `spec.template.spec`, or a CronJob's
 * `spec.jobTemplate.spec.template.spec`. `undefined` for kinds without pods.
 */
export function podSpecOf(object: KubeObject): Record<string, unknown> | undefined {
  const spec = object.spec;
  if (!isRecord(spec)) return undefined;
  switch (object.kind) {
    case "Pod":
      return spec;
    case "CronJob": {
      const job = spec.jobTemplate;
      return isRecord(job) && isRecord(job.spec) ? templateSpec(job.spec) : undefined;
    }
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "ReplicationController":
    case "Job":
      return templateSpec(spec);
    default:
      return undefined;
  }
}

function templateSpec(spec: Record<string, unknown>): Record<string, unknown> | undefined {
  const template = spec.template;
  return isRecord(template) && isRecord(template.spec) ? template.spec : undefined;
}

/** Every container of a pod spec (init, regular and ephemeral), in that order. */
export function containersOf(podSpec: Record<string, unknown>): Container[] {
  const all: Container[] = [];
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    const list = podSpec[field];
    if (Array.isArray(list)) for (const c of list) if (isRecord(c)) all.push(c as Container);
  }
  return all;
}
