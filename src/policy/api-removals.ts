/**
 * API versions Kubernetes deprecated and removed, from the upstream deprecation guide
 * (kubernetes.io/docs/reference/using-api/deprecation-guide). `removedIn` and `deprecatedIn` are minor
 * versions of 1.x (`removedIn` is Infinity while no removal is scheduled); `replacement` is what to use
 * instead, or a sentence when nothing replaces it. The table ends with the 1.33 deprecations.
 */
export interface ApiRemoval {
  apiVersion: string;
  kind: string;
  deprecatedIn: number;
  removedIn: number;
  replacement: string;
}

const r = (
  apiVersion: string,
  kinds: string[],
  deprecatedIn: number,
  removedIn: number,
  replacement: string,
) => kinds.map((kind): ApiRemoval => ({ apiVersion, kind, deprecatedIn, removedIn, replacement }));

/** The table of removals, oldest first. */
export const API_REMOVALS: readonly ApiRemoval[] = [
  ...r("extensions/v1beta1", ["Deployment", "DaemonSet", "ReplicaSet"], 9, 16, "apps/v1"),
  ...r("apps/v1beta1", ["Deployment", "StatefulSet"], 9, 16, "apps/v1"),
  ...r("apps/v1beta2", ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"], 9, 16, "apps/v1"),
  ...r("extensions/v1beta1", ["NetworkPolicy"], 9, 16, "networking.k8s.io/v1"),
  ...r("extensions/v1beta1", ["PodSecurityPolicy"], 11, 16, "policy/v1beta1 (itself removed in 1.25)"),
  ...r("extensions/v1beta1", ["Ingress"], 14, 22, "networking.k8s.io/v1"),
  ...r("networking.k8s.io/v1beta1", ["Ingress", "IngressClass"], 19, 22, "networking.k8s.io/v1"),
  ...r(
    "admissionregistration.k8s.io/v1beta1",
    ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
    16,
    22,
    "admissionregistration.k8s.io/v1",
  ),
  ...r("apiextensions.k8s.io/v1beta1", ["CustomResourceDefinition"], 16, 22, "apiextensions.k8s.io/v1"),
  ...r("apiregistration.k8s.io/v1beta1", ["APIService"], 19, 22, "apiregistration.k8s.io/v1"),
  ...r("authentication.k8s.io/v1beta1", ["TokenReview"], 19, 22, "authentication.k8s.io/v1"),
  ...r(
    "authorization.k8s.io/v1beta1",
    ["SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview"],
    19,
    22,
    "authorization.k8s.io/v1",
  ),
  ...r("certificates.k8s.io/v1beta1", ["CertificateSigningRequest"], 19, 22, "certificates.k8s.io/v1"),
  ...r("coordination.k8s.io/v1beta1", ["Lease"], 19, 22, "coordination.k8s.io/v1"),
  ...r(
    "rbac.authorization.k8s.io/v1beta1",
    ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
    17,
    22,
    "rbac.authorization.k8s.io/v1",
  ),
  ...r("scheduling.k8s.io/v1beta1", ["PriorityClass"], 14, 22, "scheduling.k8s.io/v1"),
  ...r(
    "storage.k8s.io/v1beta1",
    ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
    19,
    22,
    "storage.k8s.io/v1",
  ),
  ...r("batch/v1beta1", ["CronJob"], 21, 25, "batch/v1"),
  ...r("discovery.k8s.io/v1beta1", ["EndpointSlice"], 21, 25, "discovery.k8s.io/v1"),
  ...r("events.k8s.io/v1beta1", ["Event"], 22, 25, "events.k8s.io/v1"),
  ...r("autoscaling/v2beta1", ["HorizontalPodAutoscaler"], 22, 25, "autoscaling/v2"),
  ...r("policy/v1beta1", ["PodDisruptionBudget"], 21, 25, "policy/v1"),
  ...r(
    "policy/v1beta1",
    ["PodSecurityPolicy"],
    21,
    25,
    "nothing: use Pod Security Admission (namespace labels)",
  ),
  ...r("node.k8s.io/v1beta1", ["RuntimeClass"], 20, 25, "node.k8s.io/v1"),
  ...r(
    "flowcontrol.apiserver.k8s.io/v1beta1",
    ["FlowSchema", "PriorityLevelConfiguration"],
    23,
    26,
    "flowcontrol.apiserver.k8s.io/v1",
  ),
  ...r("autoscaling/v2beta2", ["HorizontalPodAutoscaler"], 23, 26, "autoscaling/v2"),
  ...r("storage.k8s.io/v1beta1", ["CSIStorageCapacity"], 24, 27, "storage.k8s.io/v1"),
  ...r(
    "flowcontrol.apiserver.k8s.io/v1beta2",
    ["FlowSchema", "PriorityLevelConfiguration"],
    26,
    29,
    "flowcontrol.apiserver.k8s.io/v1",
  ),
  ...r(
    "flowcontrol.apiserver.k8s.io/v1beta3",
    ["FlowSchema", "PriorityLevelConfiguration"],
    29,
    32,
    "flowcontrol.apiserver.k8s.io/v1",
  ),
];

/** The removal entry for an object's apiVersion and kind, if Kubernetes ever deprecated it. */
export function findRemoval(apiVersion: string, kind: string): ApiRemoval | undefined {
  return API_REMOVALS.find((e) => e.apiVersion === apiVersion && e.kind === kind);
}
