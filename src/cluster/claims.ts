import { formatRef, type Manifest } from "../manifests/index.js";
import { APPLYSET, OWNER, type Owner } from "./applyset.js";
import type { ClusterClient } from "./connect.js";
import { listGroups } from "./list-groups.js";

/**
 * The objects of a render that already belong elsewhere in the cluster, one line each: members of another
 * ApplySet (another environment's or another repository's), and Namespaces another repository owns. Read
 * with one labelled list per kind and namespace, before anything is written, so that a sync that would
 * take something over is refused whole instead of half-applied. A kind the cluster does not serve yet
 * (its CRD comes with this render) holds nothing; a list that fails is left to the per-object check of
 * the apply.
 */
export async function claimedElsewhere(
  cluster: ClusterClient,
  members: readonly Manifest[],
  id: string,
  owner: Owner | undefined,
): Promise<string[]> {
  const lines: string[] = [];
  for (const group of listGroups(members)) {
    const first = group[0]!;
    const isNamespace = first.ref.kind === "Namespace" && first.ref.group === "";
    const selectors = [`${APPLYSET.partOf},${APPLYSET.partOf}!=${id}`];
    if (isNamespace) selectors.push(owner ? `${OWNER.id},${OWNER.id}!=${owner.id}` : OWNER.id);
    const wanted = new Set(group.map((m) => m.ref.name));
    for (const selector of selectors) {
      let items: Array<{ metadata?: { name?: string; labels?: Record<string, string> } }>;
      try {
        items = (
          await cluster.objects.list(
            first.object.apiVersion,
            first.ref.kind,
            first.ref.namespace ?? undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            selector,
          )
        ).items;
      } catch {
        continue;
      }
      for (const item of items) {
        const name = item.metadata?.name ?? "";
        if (!wanted.has(name)) continue;
        wanted.delete(name);
        const labels = item.metadata?.labels ?? {};
        const ref = formatRef({ ...first.ref, name });
        lines.push(
          labels[APPLYSET.partOf] !== undefined && labels[APPLYSET.partOf] !== id
            ? `${ref} belongs to another ApplySet (${APPLYSET.partOf}=${labels[APPLYSET.partOf]})`
            : `${ref} belongs to another repository (${OWNER.id}=${labels[OWNER.id]})`,
        );
      }
    }
  }
  return lines;
}
