import type { KubeObject, Manifest } from "./types.js";

/**
 * Built-in cluster-scoped kinds, keyed `group/Kind`. Custom resources are namespaced unless a CRD in the
 * same render says otherwise (see {@link clusterScopedCustomKinds}).
 */
const CLUSTER_SCOPED = new Set([
  "/Namespace",
  "/Node",
  "/PersistentVolume",
  "/ComponentStatus",
  "rbac.authorization.k8s.io/ClusterRole",
  "rbac.authorization.k8s.io/ClusterRoleBinding",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "apiregistration.k8s.io/APIService",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
  "admissionregistration.k8s.io/MutatingAdmissionPolicy",
  "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
  "storage.k8s.io/StorageClass",
  "storage.k8s.io/CSIDriver",
  "storage.k8s.io/CSINode",
  "storage.k8s.io/VolumeAttachment",
  "storage.k8s.io/VolumeAttributesClass",
  "networking.k8s.io/IngressClass",
  "networking.k8s.io/IPAddress",
  "networking.k8s.io/ServiceCIDR",
  "node.k8s.io/RuntimeClass",
  "scheduling.k8s.io/PriorityClass",
  "policy/PodSecurityPolicy",
  "certificates.k8s.io/CertificateSigningRequest",
  "certificates.k8s.io/ClusterTrustBundle",
  "flowcontrol.apiserver.k8s.io/FlowSchema",
  "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
  "resource.k8s.io/DeviceClass",
  "resource.k8s.io/ResourceSlice",
]);

/** Whether `group/kind` is cluster-scoped, given the custom kinds the render itself declares. */
export function isClusterScoped(
  group: string,
  kind: string,
  customClusterKinds: ReadonlySet<string>,
): boolean {
  const key = `${group}/${kind}`;
  return CLUSTER_SCOPED.has(key) || customClusterKinds.has(key);
}

/** The `group/Kind` keys of custom resources that CRDs among `objects` declare as cluster-scoped. */
export function clusterScopedCustomKinds(objects: readonly KubeObject[]): Set<string> {
  const kinds = new Set<string>();
  for (const o of objects) {
    if (o.kind !== "CustomResourceDefinition") continue;
    const spec = o.spec as { group?: unknown; scope?: unknown; names?: { kind?: unknown } } | undefined;
    if (spec?.scope === "Cluster" && typeof spec.group === "string" && typeof spec.names?.kind === "string") {
      kinds.add(`${spec.group}/${spec.names.kind}`);
    }
  }
  return kinds;
}

/**
 * The objects with the scope the cluster gives their kinds: those whose kind `clusterScoped(apiVersion,
 * kind)` says is cluster-scoped lose the namespace the render gave them (a custom resource whose CRD is
 * installed separately took the environment's). Other objects are returned as they are.
 */
export function withClusterScope(
  manifests: readonly Manifest[],
  clusterScoped: (apiVersion: string, kind: string) => boolean,
): Manifest[] {
  return manifests.map((m) => {
    if (m.ref.namespace === null || !clusterScoped(m.object.apiVersion, m.ref.kind)) return m;
    const { namespace: _, ...metadata } = m.object.metadata;
    return { ...m, ref: { ...m.ref, namespace: null }, object: { ...m.object, metadata } };
  });
}
