import { type NamespaceOwners, namespaceOutOfReach } from "../config/reach.js";
import type { Reach } from "../config/server.js";
import { formatRef, locateField, type Manifest } from "../manifests/index.js";
import type { Finding } from "./types.js";

export { type NamespaceOwners, namespaceOutOfReach };

/** The id under which reach violations are reported; no repository setting can turn it off. */
export const REACH_RULE = "cluster-reach";

const HINT =
  "The server config bounds what this repository may write into the cluster; ask whoever runs Capstan to widen the repository's grant, or move the object.";

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
