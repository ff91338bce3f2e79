import { type Manifest, withClusterScope } from "../manifests/index.js";
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
  for (const m of manifests) {
    const key = `${m.object.apiVersion}|${m.ref.kind}`;
    if (m.ref.namespace !== null && !namespaced.has(key)) {
      const resource = await cluster.objects.discover(m.object.apiVersion, m.ref.kind).catch(() => undefined);
      namespaced.set(key, resource?.namespaced);
    }
  }
  return withClusterScope(manifests, (apiVersion, kind) => namespaced.get(`${apiVersion}|${kind}`) === false);
}
