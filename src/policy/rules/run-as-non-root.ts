import { isRecord, podSpecOf } from "../../manifests/index.js";
import type { Rule, Violation } from "../types.js";
import { containerName, locatedContainers, podSpecPath } from "../workloads.js";

/** Containers should refuse to start as root; the container's securityContext overrides the pod's. */
export const runAsNonRoot: Rule = {
  id: "run-as-non-root",
  defaultSeverity: "warning",
  rationale: "A container running as root turns any escape or mounted-file bug into root access.",
  hint: "Set securityContext.runAsNonRoot: true on the pod (or each container) and run as a non-zero UID.",
  check(object) {
    const spec = podSpecOf(object);
    if (!spec) return [];
    const pod = isRecord(spec.securityContext) ? spec.securityContext : {};
    const out: Violation[] = [];
    for (const c of locatedContainers(object)) {
      const own = isRecord(c.container.securityContext) ? c.container.securityContext : {};
      const user = own.runAsUser ?? pod.runAsUser;
      if (user === 0) {
        const path =
          own.runAsUser === 0
            ? [...c.path, "securityContext", "runAsUser"]
            : [...podSpecPath(object), "securityContext", "runAsUser"];
        out.push({ message: `container ${containerName(c)} runs as UID 0`, path });
        continue;
      }
      if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true) {
        out.push({ message: `container ${containerName(c)} does not set runAsNonRoot: true`, path: c.path });
      }
    }
    return out;
  },
};
