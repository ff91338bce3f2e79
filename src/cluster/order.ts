import type { Manifest } from "../manifests/index.js";

/** Argo CD's kind order within a wave; custom resources come after all of these. */
const KIND_ORDER = [
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodSecurityPolicy",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
];
const RANK = new Map(KIND_ORDER.map((kind, i) => [kind, i]));

/** The annotations that place an object in a sync wave: Capstan's own, then Argo CD's. */
export const WAVE_ANNOTATIONS = ["capstan.dev/sync-wave", "argocd.argoproj.io/sync-wave"];

/** An object's wave: an integer from its annotation, 0 when absent or not an integer. */
export function waveOf(m: Manifest): number {
  const annotations = m.object.metadata.annotations ?? {};
  for (const key of WAVE_ANNOTATIONS) {
    const value = annotations[key];
    if (value !== undefined && /^-?\d+$/.test(value.trim())) return Number(value);
  }
  return 0;
}

// Namespaces and CRDs go before every wave: the rest cannot be applied without them.
function isFoundation(m: Manifest): boolean {
  return (
    (m.ref.kind === "Namespace" && m.ref.group === "") ||
    (m.ref.kind === "CustomResourceDefinition" && m.ref.group === "apiextensions.k8s.io")
  );
}

/**
 * Groups objects into the steps a sync applies one after another: Namespaces and CRDs first, then each
 * wave in ascending order. Within a step, objects are in Argo CD's kind order (custom resources last),
 * then by name; the objects of one step may be applied in parallel.
 */
export function syncSteps(manifests: readonly Manifest[]): Manifest[][] {
  const steps = new Map<string, Manifest[]>();
  for (const m of manifests) {
    const key = isFoundation(m) ? "foundation" : `wave:${waveOf(m)}`;
    steps.set(key, [...(steps.get(key) ?? []), m]);
  }
  const waves = [...steps.keys()]
    .filter((k) => k !== "foundation")
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  return [...(steps.has("foundation") ? ["foundation"] : []), ...waves].map((key) =>
    steps
      .get(key)!
      .sort(
        (a, b) =>
          (RANK.get(a.ref.kind) ?? KIND_ORDER.length) - (RANK.get(b.ref.kind) ?? KIND_ORDER.length) ||
          a.ref.kind.localeCompare(b.ref.kind) ||
          (a.ref.namespace ?? "").localeCompare(b.ref.namespace ?? "") ||
          a.ref.name.localeCompare(b.ref.name),
      ),
  );
}
