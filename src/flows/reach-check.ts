import { type ClusterClient, namespaceOwners, type Owner, resolveScopes } from "../cluster/index.js";
import type { Environment, Reach } from "../config/index.js";
import type { Manifest } from "../manifests/index.js";
import { describeFindings, namespaceOutOfReach, namespacesUsed, reachFindings } from "../policy/index.js";

/**
 * What of an environment its repository may not write into the cluster, one line per refusal: its own
 * namespace (which holds its ApplySet parent and Lease) and each object outside the repository's reach.
 * Scopes come from the cluster's discovery and namespace owners from the live Namespaces, so this is the
 * check a sync makes, not only the preview's static one.
 */
export async function reachRefusals(
  cluster: ClusterClient,
  manifests: readonly Manifest[],
  environment: Pick<Environment, "namespace">,
  reach: Reach,
  owner: Owner,
): Promise<string[]> {
  const scoped = await resolveScopes(cluster, manifests);
  const owners = await namespaceOwners(cluster, namespacesUsed(scoped, environment.namespace));
  const own = namespaceOutOfReach(environment.namespace, reach, owner.id, owners);
  return [
    ...(own ? [`the environment's ${own}`] : []),
    ...describeFindings(reachFindings(scoped, reach, owner.id, owners)),
  ];
}
