import { isRecord, podSpecOf } from "../../manifests/index.js";
import type { Rule, Violation } from "../types.js";
import { podSpecPath } from "../workloads.js";

const HOST_FIELDS = ["hostNetwork", "hostPID", "hostIPC"] as const;

/** Sharing the node's network, process or IPC namespace, or mounting its files, breaks the pod's isolation. */
export const hostNamespaces: Rule = {
  id: "host-namespaces",
  defaultSeverity: "error",
  rationale: "Host namespaces and hostPath volumes let a pod see and change the node itself.",
  hint: "Remove hostNetwork, hostPID and hostIPC, and use a PersistentVolumeClaim, ConfigMap or emptyDir instead of hostPath.",
  check(object) {
    if (object.kind === "PersistentVolume" && isRecord(object.spec) && object.spec.hostPath !== undefined) {
      return [{ message: "PersistentVolume is backed by a hostPath", path: ["spec", "hostPath"] }];
    }
    const spec = podSpecOf(object);
    if (!spec) return [];
    const base = podSpecPath(object);
    const out: Violation[] = [];
    for (const field of HOST_FIELDS) {
      if (spec[field] === true) out.push({ message: `pod uses ${field}`, path: [...base, field] });
    }
    const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
    volumes.forEach((v, i) => {
      if (isRecord(v) && v.hostPath !== undefined) {
        const path =
          isRecord(v.hostPath) && typeof v.hostPath.path === "string" ? ` (${v.hostPath.path})` : "";
        out.push({
          message: `volume ${String(v.name)} mounts a hostPath${path}`,
          path: [...base, "volumes", i, "hostPath"],
        });
      }
    });
    return out;
  },
};
