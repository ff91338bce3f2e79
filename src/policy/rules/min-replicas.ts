import type { KubeObject, Manifest } from "../../manifests/index.js";
import type { Rule } from "../types.js";

const SCALABLE = new Set(["Deployment", "StatefulSet", "ReplicaSet"]);

// Leaving replicas out is how a workload hands scaling to a HorizontalPodAutoscaler; its minReplicas is
// then what counts, and it is not this rule's to judge.
function scaledByHpa(object: KubeObject, objects: readonly Manifest[]): boolean {
  return objects.some((m) => {
    if (m.ref.kind !== "HorizontalPodAutoscaler" || m.ref.namespace !== (object.metadata.namespace ?? null))
      return false;
    const target = (m.object.spec as { scaleTargetRef?: { kind?: unknown; name?: unknown } } | undefined)
      ?.scaleTargetRef;
    return target?.kind === object.kind && target?.name === object.metadata.name;
  });
}

/** One replica means every rollout and node drain is an outage. */
export const minReplicas: Rule = {
  id: "min-replicas",
  defaultSeverity: "warning",
  rationale: "Too few replicas turn every rollout, node drain or crash into an outage.",
  hint: "Raise spec.replicas to policy.minReplicas, or let a HorizontalPodAutoscaler manage it with minReplicas at least that.",
  check(object, settings) {
    const minimum = settings.minReplicas;
    if (minimum === undefined || !SCALABLE.has(object.kind)) return [];
    const spec = object.spec as { replicas?: unknown } | undefined;
    if (spec?.replicas === undefined && scaledByHpa(object, settings.objects)) return [];
    // An omitted replicas field defaults to 1 on the apiserver; a value of the wrong type is the schema rule's.
    if (spec?.replicas !== undefined && typeof spec.replicas !== "number") return [];
    const replicas = typeof spec?.replicas === "number" ? spec.replicas : 1;
    if (replicas >= minimum) return [];
    return [
      {
        message: `${replicas} replica${replicas === 1 ? "" : "s"}, fewer than the minimum of ${minimum}`,
        path: ["spec", ...(spec?.replicas === undefined ? [] : ["replicas"])],
      },
    ];
  },
};
