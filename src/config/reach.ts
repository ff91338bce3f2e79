import { matchesAny } from "./glob.js";
import type { Reach } from "./server.js";

/**
 * Who owns the namespaces a sync writes into, as read from the cluster: name → the owning repository's
 * id (`""` for a namespace no repository owns). A namespace that does not exist is absent.
 */
export type NamespaceOwners = ReadonlyMap<string, string>;

/**
 * Why a namespace is outside a repository's reach, or `undefined` when it is inside. Without namespace
 * patterns in the grant, a repository may use new namespaces and those its own syncs created, never the
 * `kube-*` system namespaces; `owners` (from the cluster) decides the rest, and without it (a preview)
 * only the static bounds are judged.
 */
export function namespaceOutOfReach(
  namespace: string,
  reach: Reach,
  repositoryId: number,
  owners?: NamespaceOwners,
): string | undefined {
  if (reach.namespaces) {
    if (matchesAny(namespace, reach.namespaces)) return undefined;
    return `namespace ${namespace} is outside this repository's reach on cluster ${reach.cluster} (allowed: ${reach.namespaces.join(", ")})`;
  }
  if (namespace.startsWith("kube-"))
    return `namespace ${namespace} is a system namespace; the server config must grant it to this repository on cluster ${reach.cluster}`;
  // Every cluster has it, and no Capstan sync created it: known without asking the cluster.
  const owner = owners ? owners.get(namespace) : namespace === "default" ? "" : undefined;
  if (owner === undefined || owner === String(repositoryId)) return undefined;
  return owner === ""
    ? `namespace ${namespace} exists on cluster ${reach.cluster} and was not created by Capstan for this repository; the server config must grant it (namespaces)`
    : `namespace ${namespace} on cluster ${reach.cluster} belongs to another repository (id ${owner})`;
}
