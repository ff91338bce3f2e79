import { isRecord } from "../../manifests/index.js";
import type { Rule } from "../types.js";

const BINDINGS = new Set(["ClusterRoleBinding", "RoleBinding"]);

/** cluster-admin is every permission on every resource; a binding to it is rarely what was meant. */
export const clusterAdmin: Rule = {
  id: "cluster-admin",
  defaultSeverity: "error",
  rationale:
    "cluster-admin grants every permission on every resource; a GitOps change should not hand it out.",
  hint: "Bind a Role or ClusterRole that lists only the verbs and resources needed.",
  check(object) {
    if (!BINDINGS.has(object.kind) || !object.apiVersion.startsWith("rbac.authorization.k8s.io/")) return [];
    const roleRef = object.roleRef;
    if (!isRecord(roleRef) || roleRef.kind !== "ClusterRole" || roleRef.name !== "cluster-admin") return [];
    const scope =
      object.kind === "RoleBinding" ? `in namespace ${object.metadata.namespace}` : "on the whole cluster";
    return [{ message: `${object.kind} grants cluster-admin ${scope}`, path: ["roleRef", "name"] }];
  },
};
