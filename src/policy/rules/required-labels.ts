import type { Rule } from "../types.js";

/** Labels such as owner or app name are what dashboards, cost reports and on-call routing key on. */
export const requiredLabels: Rule = {
  id: "required-labels",
  defaultSeverity: "warning",
  rationale: "Owner and app labels are what dashboards, cost reports and alert routing rely on.",
  hint: "Add the labels listed in policy.requiredLabels (kustomize's labels or helm's common labels do it for all objects).",
  check(object, settings) {
    const labels = object.metadata.labels ?? {};
    const missing = settings.requiredLabels.filter((l) => typeof labels[l] !== "string" || labels[l] === "");
    if (missing.length === 0) return [];
    return [
      {
        message: `missing label${missing.length === 1 ? "" : "s"} ${missing.join(", ")}`,
        path: ["metadata", ...(object.metadata.labels ? ["labels"] : [])],
      },
    ];
  },
};
