import type { Manifest } from "../manifests/index.js";

/**
 * Objects grouped the way one list request can read them: by apiVersion, kind and namespace (cluster-
 * scoped objects of a kind form one group), in the order each group first appears.
 */
export function listGroups(manifests: readonly Manifest[]): Manifest[][] {
  const groups = new Map<string, Manifest[]>();
  for (const m of manifests) {
    const key = `${m.object.apiVersion}|${m.ref.kind}|${m.ref.namespace ?? ""}`;
    const group = groups.get(key);
    if (group) group.push(m);
    else groups.set(key, [m]);
  }
  return [...groups.values()];
}
