import { findRemoval } from "../api-removals.js";
import type { Rule } from "../types.js";

/** An apiVersion the target cluster no longer serves fails the deploy; one it deprecates will soon. */
export const deprecatedApi: Rule = {
  id: "deprecated-api",
  defaultSeverity: "error",
  rationale:
    "An apiVersion the target Kubernetes version removed fails the deploy; a deprecated one will after an upgrade.",
  hint: "Move the object to the replacement apiVersion (kubectl convert, or the chart's newer version).",
  check(object, settings) {
    const removal = findRemoval(object.apiVersion, object.kind);
    if (!removal) return [];
    const target = Number(settings.kubeVersion.split(".")[1]);
    const what = `${object.kind} ${object.apiVersion}`;
    if (target >= removal.removedIn) {
      return [
        {
          message: `${what} was removed in Kubernetes 1.${removal.removedIn} (target ${settings.kubeVersion}); use ${removal.replacement}`,
          path: ["apiVersion"],
        },
      ];
    }
    if (target >= removal.deprecatedIn) {
      return [
        {
          message: `${what} is deprecated since 1.${removal.deprecatedIn}${Number.isFinite(removal.removedIn) ? ` and removed in 1.${removal.removedIn}` : ""}; use ${removal.replacement}`,
          path: ["apiVersion"],
          severity: "warning",
        },
      ];
    }
    return [];
  },
};
