import { matchesAny } from "../config/glob.js";
import type { Reach } from "../config/server.js";
import { formatRef, locateField, type Manifest } from "../manifests/index.js";
import type { Finding } from "./types.js";

/** The id under which reach violations are reported; no repository setting can turn it off. */
export const REACH_RULE = "cluster-reach";

const HINT =
  "The server config bounds what this repository may write into the cluster; ask whoever runs Capstan to widen the repository's grant, or move the object.";

/**
 * Who owns the namespaces a sync writes into, as read from the cluster: name → the owning repository's
 * id (`""` for a namespace no repository owns). A namespace that does not exist is absent.
 */
export type NamespaceOwners = ReadonlyMap<string, string>;

/** The namespaces an environment's objects live in, its own namespace included. */
export function namespacesUsed(manifests: readonly Manifest[], envNamespace: string): string[] {
  const names = new Set([envNamespace]);
  for (const m of manifests) {
    if (m.ref.namespace !== null) names.add(m.ref.namespace);
    else if (m.ref.kind === "Namespace" && m.ref.group === "") names.add(m.ref.name);
  }
  return [...names].sort();
}

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
  const owner = owners?.get(namespace);
  if (owner === undefined || owner === String(repositoryId)) return undefined;
  return owner === ""
    ? `namespace ${namespace} exists on cluster ${reach.cluster} and was not created by Capstan for this repository; the server config must grant it (namespaces)`
    : `namespace ${namespace} on cluster ${reach.cluster} belongs to another repository (id ${owner})`;
}

/**
 * The objects of an environment that its repository may not write into its cluster, as error findings
 * on each object's line: a namespace outside the grant, or a cluster-scoped kind it does not list.
 */
export function reachFindings(
  manifests: readonly Manifest[],
  reach: Reach,
  repositoryId: number,
  owners?: NamespaceOwners,
): Finding[] {
  const findings: Finding[] = [];
  const add = (m: Manifest, message: string, path: Array<string | number>) =>
    findings.push({
      rule: REACH_RULE,
      severity: "error",
      message,
      hint: HINT,
      ref: m.ref,
      file: m.source.file,
      line: locateField(m, path),
    });
  for (const m of manifests) {
    if (m.ref.namespace === null) {
      const kind = m.ref.group ? `${m.ref.kind}.${m.ref.group}` : m.ref.kind;
      if (!reach.clusterScoped.includes(kind)) {
        add(
          m,
          `cluster-scoped ${kind} is outside this repository's reach on cluster ${reach.cluster} (allowed: ${reach.clusterScoped.join(", ") || "none"})`,
          ["kind"],
        );
        continue;
      }
      if (kind === "Namespace") {
        const why = namespaceOutOfReach(m.ref.name, reach, repositoryId, owners);
        if (why) add(m, why, ["metadata", "name"]);
      }
      continue;
    }
    const why = namespaceOutOfReach(m.ref.namespace, reach, repositoryId, owners);
    if (why) add(m, why, ["metadata", "namespace"]);
  }
  return findings;
}

/** One line per finding, for a Deployment's status or a log: `Deployment/x/api: namespace x is …`. */
export function describeFindings(findings: readonly Finding[]): string[] {
  return findings.map((f) => `${formatRef(f.ref)}: ${f.message}`);
}
