import type { Rule } from "../types.js";

/** An environment owns its namespaces; writing elsewhere, or cluster-wide, affects other teams. */
export const namespaces: Rule = {
  id: "namespaces",
  defaultSeverity: "error",
  rationale: "An environment owns its namespaces; objects elsewhere, or cluster-wide, affect other teams.",
  hint: "Move the object into an allowed namespace, or list the namespace in policy.namespaces (or the kind in policy.clusterScoped).",
  check(object, settings) {
    const namespace = object.metadata.namespace;
    if (namespace === undefined) {
      if (settings.clusterScoped.includes(object.kind)) return [];
      return [
        { message: `cluster-scoped ${object.kind} is not allowed in this environment`, path: ["kind"] },
      ];
    }
    if (settings.namespaces.includes(namespace)) return [];
    return [
      {
        message: `namespace ${namespace} is not one of this environment's (${settings.namespaces.join(", ")})`,
        path: ["metadata", "namespace"],
      },
    ];
  },
};
