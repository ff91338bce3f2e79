import { ManifestError } from "../errors.js";
import { formatRef, groupOf, refKey } from "./ref.js";
import { clusterScopedCustomKinds, isClusterScoped } from "./scope.js";
import type { KubeObject, Manifest, ParsedDocument } from "./types.js";

/**
 * Gives each document its identity and returns the environment's objects. A namespaced object without
 * a namespace takes `defaultNamespace` (written into a copy of its metadata); a cluster-scoped object
 * loses any namespace it was given, as the apiserver would ignore it.
 *
 * @throws ManifestError when two documents have the same identity, naming both places.
 */
export function buildObjectSet(documents: readonly ParsedDocument[], defaultNamespace: string): Manifest[] {
  const customClusterKinds = clusterScopedCustomKinds(documents.map((d) => d.object));
  const seen = new Map<string, Manifest>();
  for (const { object, source, origin } of documents) {
    const group = groupOf(object.apiVersion);
    const clusterScoped = isClusterScoped(group, object.kind, customClusterKinds);
    const namespace = clusterScoped ? null : object.metadata.namespace || defaultNamespace;
    const manifest: Manifest = {
      ref: { group, kind: object.kind, namespace, name: object.metadata.name },
      object: withNamespace(object, namespace),
      source,
      origin,
    };
    const key = refKey(manifest.ref);
    const first = seen.get(key);
    if (first) {
      const where = `${first.source.file}:${first.source.line}`;
      throw new ManifestError(
        `${formatRef(manifest.ref)} is defined twice (first at ${where}); each object may appear once`,
        source,
      );
    }
    seen.set(key, manifest);
  }
  return [...seen.values()];
}

// The object as it will be applied: its namespace written out, or removed for cluster-scoped kinds.
function withNamespace(object: KubeObject, namespace: string | null): KubeObject {
  if ((object.metadata.namespace ?? null) === namespace) return object;
  const { namespace: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata: namespace === null ? metadata : { ...metadata, namespace } };
}
