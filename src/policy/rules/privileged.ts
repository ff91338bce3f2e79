import { isRecord } from "../../manifests/index.js";
import type { Rule, Violation } from "../types.js";
import { containerName, locatedContainers } from "../workloads.js";

/** A privileged container, or one that may escalate, is root on the node. */
export const privileged: Rule = {
  id: "privileged",
  defaultSeverity: "error",
  rationale:
    "A privileged container, or one allowed to escalate privileges, can take over the node it runs on.",
  hint: "Remove securityContext.privileged and set securityContext.allowPrivilegeEscalation: false.",
  check(object) {
    const out: Violation[] = [];
    for (const c of locatedContainers(object)) {
      const sc = c.container.securityContext;
      if (!isRecord(sc)) continue;
      if (sc.privileged === true) {
        out.push({
          message: `container ${containerName(c)} is privileged`,
          path: [...c.path, "securityContext", "privileged"],
        });
      }
      if (sc.allowPrivilegeEscalation === true) {
        out.push({
          message: `container ${containerName(c)} allows privilege escalation`,
          path: [...c.path, "securityContext", "allowPrivilegeEscalation"],
        });
      }
    }
    return out;
  },
};
