import type { PolicySettings, Rule } from "../types.js";

/**
 * An environment owns its namespaces; writing elsewhere, or cluster-wide, affects other teams. This is
 * the repository's own lint. By default the environment's namespaces are its `namespace` and every
 * Namespace its own render creates, and cluster-scoped kinds are not limited: what a repository may
 * write cluster-wide is the operator's to bound, in the server config's grants, which previews and
 * syncs enforce whatever the repository says.
 */
export const namespaces: Rule = {
  id: "namespaces",
  defaultSeverity: "error",
  rationale: "An environment owns its namespaces; objects elsewhere, or cluster-wide, affect other teams.",
  hint: "Move the object into an allowed namespace, or list the namespace in policy.namespaces (or the kind in policy.clusterScoped).",
  check(object, settings) {
    const namespace = object.metadata.namespace;
    if (namespace === undefined) {
      if (settings.clusterScoped.includes(object.kind)) return [];
      if (settings.defaults?.clusterScoped) return [];
      return [
        { message: `cluster-scoped ${object.kind} is not allowed in this environment`, path: ["kind"] },
      ];
    }
    const allowed = allowedNamespaces(settings);
    if (allowed.includes(namespace)) return [];
    return [
      {
        message: `namespace ${namespace} is not one of this environment's (${allowed.join(", ")})`,
        path: ["metadata", "namespace"],
      },
    ];
  },
};

function isNamespace(object: { apiVersion: string; kind: string }): boolean {
  return object.kind === "Namespace" && object.apiVersion === "v1";
}

// Per render: the rule runs once per object, and a render may hold tens of thousands.
const created = new WeakMap<PolicySettings["objects"], string[]>();

// The configured namespaces, or by default the environment's and those its render creates.
function allowedNamespaces(settings: PolicySettings): string[] {
  if (!settings.defaults?.namespaces) return settings.namespaces;
  let names = created.get(settings.objects);
  if (!names) {
    names = settings.objects.flatMap((m) => (isNamespace(m.object) ? [m.object.metadata.name] : []));
    created.set(settings.objects, names);
  }
  return names.length === 0 ? settings.namespaces : [...new Set([...settings.namespaces, ...names])];
}
