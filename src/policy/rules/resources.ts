import { isRecord } from "../../manifests/index.js";
import type { Rule } from "../types.js";
import { containerName, locatedContainers } from "../workloads.js";

// CPU limits are deliberately not required: they throttle bursty services and many platforms leave them out.
// A request left out takes its limit's value on the apiserver, so a limit counts as the request.
const REQUIRED = [
  ["requests", "cpu", "limits"],
  ["requests", "memory", "limits"],
  ["limits", "memory", undefined],
] as const;

/** Containers without requests get scheduled blind and evicted first; without a memory limit one leak hurts the node. */
export const resources: Rule = {
  id: "resources",
  defaultSeverity: "warning",
  rationale:
    "Without requests the scheduler places pods blind; without a memory limit one leak can starve the node.",
  hint: "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container.",
  check(object) {
    // Ephemeral (debug) containers may not have resources at all.
    const containers = locatedContainers(object).filter((c) => c.path.at(-2) !== "ephemeralContainers");
    return containers.flatMap((c) => {
      const res = isRecord(c.container.resources) ? c.container.resources : {};
      const has = (group: string | undefined, key: string) =>
        group !== undefined && isRecord(res[group]) && res[group][key] !== undefined;
      const missing = REQUIRED.filter(([group, key, implied]) => !has(group, key) && !has(implied, key));
      if (missing.length === 0) return [];
      return [
        {
          message: `container ${containerName(c)} has no ${missing.map(([g, k]) => `${g}.${k}`).join(", ")}`,
          path: [...c.path, ...(isRecord(c.container.resources) ? ["resources"] : [])],
        },
      ];
    });
  },
};
