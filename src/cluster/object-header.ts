import type { Manifest } from "../manifests/index.js";

/** What the API needs to address an object: apiVersion, kind, name and (for namespaced kinds) namespace. */
export function objectHeader(m: Manifest) {
  return {
    apiVersion: m.object.apiVersion,
    kind: m.object.kind,
    metadata: { name: m.ref.name, ...(m.ref.namespace ? { namespace: m.ref.namespace } : {}) },
  };
}
