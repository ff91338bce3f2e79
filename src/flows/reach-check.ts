import { type ClusterClient, namespaceOwners, type Owner, resolveScopes } from "../cluster/index.js";
import type { Environment, Reach } from "../config/index.js";
import { formatRef, type Manifest } from "../manifests/index.js";
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
    ...(await unknownScopes(cluster, scoped, reach)),
    ...describeFindings(reachFindings(scoped, reach, owner.id, owners)),
  ];
}

// Kinds whose scope nobody can vouch for: the cluster does not serve them and no CRD of this render
// declares them. Judged as namespaced they could be written cluster-wide once served, so they are refused.
async function unknownScopes(
  cluster: ClusterClient,
  manifests: readonly Manifest[],
  reach: Reach,
): Promise<string[]> {
  const declared = new Set(
    manifests
      .filter((m) => m.ref.kind === "CustomResourceDefinition" && m.ref.group === "apiextensions.k8s.io")
      .map((m) => {
        const spec = m.object.spec as { group?: string; names?: { kind?: string } } | undefined;
        return `${spec?.group}/${spec?.names?.kind}`;
      }),
  );
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const m of manifests) {
    const key = `${m.object.apiVersion}|${m.ref.kind}`;
    if (seen.has(key) || declared.has(`${m.ref.group}/${m.ref.kind}`)) continue;
    seen.add(key);
    // A discovery that fails counts as not served: the check fails closed.
    const served = await cluster.objects.discover(m.object.apiVersion, m.ref.kind).then(
      (resource) => resource !== undefined,
      () => false,
    );
    if (!served)
      lines.push(
        `${formatRef(m.ref)}: ${m.object.apiVersion} ${m.ref.kind} is not served by cluster ${reach.cluster} and no CRD of this environment declares it, so its scope cannot be judged`,
      );
  }
  return lines;
}
