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
import type { Health, HealthStatus, LiveObject } from "./types.js";

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

type Rule = (object: LiveObject) => Health | undefined;

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
 * (ConfigMaps, Roles…) and objects that opted out. An object being deleted is Progressing.
 */
export function assessHealth(object: LiveObject): Health | undefined {
  const annotations = object.metadata?.annotations ?? {};
  if (IGNORE_ANNOTATIONS.some((a) => annotations[a] === "true")) return undefined;
  if (object.metadata?.deletionTimestamp) return { status: "Progressing", message: "Pending deletion" };
  const apiVersion = object.apiVersion ?? "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  const rule = RULES[`${group}/${object.kind ?? ""}`];
  if (rule) return rule(object);
  if (BUILT_IN_GROUP.test(group)) return undefined;
  // Argo CD's own Application kind has no built-in health.
  if (group === "argoproj.io" && object.kind === "Application") return undefined;
  return genericHealth(object);
}

/**
 * Whether objects of a kind can have health at all (built-in kinds with a rule, and custom resources),
 * judged from the desired object, so a wait knows what to watch before anything exists.
 */
export function hasHealth(object: Pick<LiveObject, "apiVersion" | "kind" | "metadata">): boolean {
  const annotations = object.metadata?.annotations ?? {};
  if (IGNORE_ANNOTATIONS.some((a) => annotations[a] === "true")) return false;
  const apiVersion = object.apiVersion ?? "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  if (RULES[`${group}/${object.kind ?? ""}`]) return true;
  return !BUILT_IN_GROUP.test(group) && !(group === "argoproj.io" && object.kind === "Application");
}

/** The worst of a set of verdicts; Healthy for none. */
export function combineHealth(verdicts: Iterable<HealthStatus>): HealthStatus {
  let worst: HealthStatus = "Healthy";
  for (const v of verdicts) if (isWorse(v, worst)) worst = v;
  return worst;
}
