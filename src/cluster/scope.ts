import type { Manifest } from "../manifests/index.js";
import type { ClusterClient } from "./connect.js";

/**
 * The objects with their scope as the cluster serves them. A render knows the scope of built-in kinds
 * and of CRDs it contains; a custom resource whose CRD is installed separately was given the
 * environment's namespace. Left so, its ref would never match the live object, and a sync would prune it
 * right after applying it. Kinds the cluster does not serve (yet) are left as they are.
 */
export async function resolveScopes(
  cluster: ClusterClient,
  manifests: readonly Manifest[],
): Promise<Manifest[]> {
  const namespaced = new Map<string, boolean | undefined>();
  const resolved: Manifest[] = [];
  for (const m of manifests) {
    const key = `${m.object.apiVersion}|${m.ref.kind}`;
    if (m.ref.namespace !== null && !namespaced.has(key)) {
      const resource = await cluster.objects.discover(m.object.apiVersion, m.ref.kind).catch(() => undefined);
      namespaced.set(key, resource?.namespaced);
    }
    if (m.ref.namespace === null || namespaced.get(key) !== false) {
      resolved.push(m);
      continue;
    }
    const { namespace: _, ...metadata } = m.object.metadata;
    resolved.push({ ...m, ref: { ...m.ref, namespace: null }, object: { ...m.object, metadata } });
  }
  return resolved;
}
