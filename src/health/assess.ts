import { asString, isRecord, section } from "./read.js";
import { apiServiceHealth, crdHealth, genericHealth } from "./rules/api-extensions.js";
import { daemonSetHealth } from "./rules/daemonset.js";
import { deploymentHealth } from "./rules/deployment.js";
import { hpaHealth } from "./rules/hpa.js";
import { jobHealth } from "./rules/job.js";
import { ingressHealth, serviceHealth } from "./rules/network.js";
import { podHealth } from "./rules/pod.js";
import { pvcHealth } from "./rules/pvc.js";
import { replicaSetHealth } from "./rules/replicaset.js";
import { statefulSetHealth } from "./rules/statefulset.js";
import type { Health, HealthOptions, HealthStatus, LiveObject } from "./types.js";

/** Annotations that leave an object out of health: Capstan's own, and Argo CD's. */
export const IGNORE_ANNOTATIONS = ["capstan.dev/ignore-health", "argocd.argoproj.io/ignore-healthcheck"];

const ORDER: readonly HealthStatus[] = [
  "Healthy",
  "Suspended",
  "Progressing",
  "Missing",
  "Degraded",
  "Unknown",
];

/** Whether `a` is a worse verdict than `b` (Healthy < Suspended < Progressing < Missing < Degraded < Unknown). */
export function isWorse(a: HealthStatus, b: HealthStatus): boolean {
  return ORDER.indexOf(a) > ORDER.indexOf(b);
}

type Rule = (object: LiveObject, options: HealthOptions) => Health | undefined;

// Built-in kinds by group/kind; kinds not listed and not custom resources have no health.
const RULES: Record<string, Rule> = {
  "apps/Deployment": deploymentHealth,
  "apps/StatefulSet": statefulSetHealth,
  "apps/DaemonSet": daemonSetHealth,
  "apps/ReplicaSet": replicaSetHealth,
  "/Pod": podHealth,
  "batch/Job": jobHealth,
  "/Service": serviceHealth,
  "networking.k8s.io/Ingress": ingressHealth,
  "extensions/Ingress": ingressHealth,
  "/PersistentVolumeClaim": pvcHealth,
  "autoscaling/HorizontalPodAutoscaler": hpaHealth,
  "apiregistration.k8s.io/APIService": apiServiceHealth,
  "apiextensions.k8s.io/CustomResourceDefinition": crdHealth,
};

// Core and built-in groups whose other kinds (ConfigMap, Secret, Role…) have no health at all.
const BUILT_IN_GROUP = /^$|\.k8s\.io$|^(apps|batch|autoscaling|policy|extensions)$/;

/**
 * The health of one live object, as Argo CD would judge it, or `undefined` for kinds without health
 * (ConfigMaps, Roles…) and objects that opted out. An object being deleted is Progressing. Never throws:
 * an object too malformed for its rule to read is Unknown, with the reason.
 */
export function assessHealth(object: LiveObject, options: HealthOptions = {}): Health | undefined {
  if (!isRecord(object)) return { status: "Unknown", message: "the object is not a map" };
  if (ignored(object)) return undefined;
  if (section(object, "metadata")?.deletionTimestamp)
    return { status: "Progressing", message: "Pending deletion" };
  const { group, kind } = groupKind(object);
  const rule = RULES[`${group}/${kind}`];
  if (!rule) {
    if (BUILT_IN_GROUP.test(group)) return undefined;
    // Argo CD's own Application kind has no built-in health.
    if (group === "argoproj.io" && kind === "Application") return undefined;
  }
  // The rules read defensively; this is for the case where one still trips over a shape nobody foresaw,
  // which must cost that object its verdict, not the process or the rest of the environment.
  try {
    return (rule ?? genericHealth)(object, options);
  } catch (err) {
    return {
      status: "Unknown",
      message: `the ${kind || "object"} health rule failed on a field of an unexpected shape (${errorName(err)})`,
    };
  }
}

/**
 * Whether objects of a kind can have health at all (built-in kinds with a rule, and custom resources),
 * judged from the desired object, so a wait knows what to watch before anything exists.
 */
export function hasHealth(object: Pick<LiveObject, "apiVersion" | "kind" | "metadata">): boolean {
  if (ignored(object)) return false;
  const { group, kind } = groupKind(object);
  if (RULES[`${group}/${kind}`]) return true;
  return !BUILT_IN_GROUP.test(group) && !(group === "argoproj.io" && kind === "Application");
}

/** The worst of a set of verdicts; Healthy for none. */
export function combineHealth(verdicts: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = "Healthy";
  for (const v of verdicts) if (isWorse(v, worst)) worst = v;
  return worst;
}

function ignored(object: Pick<LiveObject, "metadata">): boolean {
  const annotations = section(section(object, "metadata"), "annotations");
  return IGNORE_ANNOTATIONS.some((a) => annotations?.[a] === "true");
}

function groupKind(object: Pick<LiveObject, "apiVersion" | "kind">): { group: string; kind: string } {
  const apiVersion = asString(object.apiVersion) ?? "";
  const slash = apiVersion.indexOf("/");
  return { group: slash < 0 ? "" : apiVersion.slice(0, slash), kind: asString(object.kind) ?? "" };
}

// Only the error's name: engine messages can quote a value from the object ("Cannot create property 'x' on
// string '…'"), and a verdict's message ends up in PR comments.
function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
