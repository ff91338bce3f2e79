import type { Rule } from "../types.js";

const SCALABLE = new Set(["Deployment", "StatefulSet", "ReplicaSet"]);

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
    // An omitted replicas field defaults to 1 on the apiserver.
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
