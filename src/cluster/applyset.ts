import { createHash } from "node:crypto";
import type { Manifest, ObjectRef } from "../manifests/index.js";

/** kubectl's ApplySet keys (KEP-3659), so `kubectl apply --prune --applyset` and Capstan agree. */
export const APPLYSET = {
  id: "applyset.kubernetes.io/id",
  partOf: "applyset.kubernetes.io/part-of",
  tooling: "applyset.kubernetes.io/tooling",
  groupKinds: "applyset.kubernetes.io/contains-group-kinds",
  namespaces: "applyset.kubernetes.io/additional-namespaces",
} as const;

/** Capstan's own records on the parent: the last sync's revision, time and result. */
export const SYNC_RECORD = {
  revision: "capstan.dev/revision",
  syncedAt: "capstan.dev/synced-at",
  result: "capstan.dev/result",
} as const;

/**
 * Which repository owns a parent, a Lease or a Namespace Capstan created: the repository's numeric id as a
 * label (ids never change hands), its name as an annotation for people.
 */
export const OWNER = {
  id: "capstan.dev/repository-id",
  name: "capstan.dev/repository",
} as const;

/** The repository a sync is for: its numeric id decides, its name is for messages. */
export interface Owner {
  id: number;
  name: string;
}

/** The tooling value Capstan writes on its parents. */
export const TOOLING = "capstan/v1";

/**
 * The ApplySet id of a parent: `applyset-` + base64url(sha256("<name>.<namespace>.<Kind>.<group>")) + `-v1`,
 * as kubectl computes it (a cluster-scoped parent has an empty namespace).
 */
export function applySetId(parent: { name: string; namespace: string; kind: string; group: string }): string {
  const digest = createHash("sha256")
    .update(`${parent.name}.${parent.namespace}.${parent.kind}.${parent.group}`)
    .digest("base64url");
  return `applyset-${digest}-v1`;
}

/** `Kind.group` (bare `Kind` for the core group), as the contains-group-kinds annotation lists them. */
export function groupKind(ref: Pick<ObjectRef, "group" | "kind">): string {
  return ref.group ? `${ref.kind}.${ref.group}` : ref.kind;
}

/** The sorted, comma-separated group-kinds of a set of objects. */
export function groupKindsOf(refs: Iterable<Pick<ObjectRef, "group" | "kind">>): string[] {
  return [...new Set([...refs].map(groupKind))].sort();
}

/** The sorted namespaces of a set of objects, without the parent's own. */
export function namespacesOf(refs: Iterable<ObjectRef>, parentNamespace: string): string[] {
  return [
    ...new Set(
      [...refs].map((r) => r.namespace).filter((n): n is string => n !== null && n !== parentNamespace),
    ),
  ].sort();
}

/** Splits an annotation list (`a,b`), empty for none. */
export function splitList(value: string | undefined): string[] {
  return value ? value.split(",").filter(Boolean) : [];
}

/**
 * The objects with the ApplySet membership label added (a copy; inputs are not changed). Namespaces also
 * get their owner's label, which is what makes a namespace a repository's own (see the default reach).
 *
 * @throws Error naming an object that already carries a membership or owner label, which only the tool
 *   may set
 */
export function withMembership(manifests: readonly Manifest[], id: string, owner?: Owner): Manifest[] {
  return manifests.map((m) => {
    const labels = m.object.metadata.labels ?? {};
    for (const reserved of [APPLYSET.partOf, OWNER.id]) {
      if (reserved in labels)
        throw new Error(
          `${m.ref.kind}/${m.ref.name} already has the label ${reserved}; remove it from the manifest`,
        );
    }
    const namespace = m.ref.kind === "Namespace" && m.ref.group === "";
    const added = {
      [APPLYSET.partOf]: id,
      ...(namespace && owner ? { [OWNER.id]: String(owner.id) } : {}),
    };
    return {
      ...m,
      object: { ...m.object, metadata: { ...m.object.metadata, labels: { ...labels, ...added } } },
    };
  });
}

/**
 * Why a live object may be deleted by a prune only with explicit consent: its deletion takes more with it
 * than the object (everything in a Namespace, every custom resource of a CRD, a volume's data).
 */
export function cascades(ref: Pick<ObjectRef, "group" | "kind">): string | undefined {
  if (ref.group === "apiextensions.k8s.io" && ref.kind === "CustomResourceDefinition")
    return "deleting a CRD deletes every custom resource of its kind, in every namespace";
  if (ref.group !== "") return undefined;
  if (ref.kind === "Namespace") return "deleting a Namespace deletes everything in it";
  if (ref.kind === "PersistentVolumeClaim" || ref.kind === "PersistentVolume")
    return `deleting a ${ref.kind} can delete its volume and the data on it`;
  return undefined;
}

/** The annotation value that lets a prune delete a Namespace or a CRD: `capstan.dev/prune: allow`. */
export const PRUNE_ANNOTATION = "capstan.dev/prune";

/** Whether a live object opted out of pruning (Capstan's annotation, or Argo CD's sync option). */
export function pruneDisabled(annotations: Record<string, string> | undefined): boolean {
  if (!annotations) return false;
  if (annotations[PRUNE_ANNOTATION] === "disabled") return true;
  return (annotations["argocd.argoproj.io/sync-options"] ?? "")
    .split(",")
    .some((o) => o.trim() === "Prune=false");
}

/** The sorted union of two lists, without repeats. */
export function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
