/**
 * The identity of a Kubernetes object: group, kind, namespace and name. The version is not part of it:
 * `apps/v1` and `apps/v1beta2` Deployments of one name are the same object.
 */
export interface ObjectRef {
  /** API group, `""` for the core group. */
  group: string;
  kind: string;
  /** `null` for cluster-scoped objects. */
  namespace: string | null;
  name: string;
}

/** The group part of an apiVersion: `apps/v1` → `apps`, `v1` → `""`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash === -1 ? "" : apiVersion.slice(0, slash);
}

/** A key that is unique per identity, for maps and sorting. */
export function refKey(ref: ObjectRef): string {
  return `${ref.group}/${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}

/**
 * The subject of every diff row, log line, annotation and error: `Deployment/web/api`, or
 * `Namespace/web` for cluster-scoped objects.
 */
export function formatRef(ref: ObjectRef): string {
  return ref.namespace === null ? `${ref.kind}/${ref.name}` : `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** Orders refs by kind, namespace and name so reports read the same on every run. */
export function compareRefs(a: ObjectRef, b: ObjectRef): number {
  return (
    a.kind.localeCompare(b.kind) ||
    a.group.localeCompare(b.group) ||
    (a.namespace ?? "").localeCompare(b.namespace ?? "") ||
    a.name.localeCompare(b.name)
  );
}
