import { ApisApi } from "@kubernetes/client-node";
import { CapstanError } from "../errors.js";
import type { LiveObject } from "../health/index.js";
import type { ObjectRef } from "../manifests/index.js";
import { apiClient } from "./api-client.js";
import { APPLYSET, splitList, TOOLING } from "./applyset.js";
import type { ClusterClient } from "./connect.js";

/** A live member of an ApplySet. */
export interface Member {
  ref: ObjectRef;
  /** What the API needs to address it. */
  header: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
  annotations?: Record<string, string>;
  /** The whole live object, with apiVersion and kind set. */
  object: LiveObject;
}

/**
 * Every live object of one group-kind (`Kind.group`) that carries an ApplySet's membership label, in all
 * namespaces. `apiVersion` is the version to list at; by default the group's preferred version.
 */
export async function listMembers(
  cluster: ClusterClient,
  gk: string,
  id: string,
  apiVersion?: string,
): Promise<Member[]> {
  const dot = gk.indexOf(".");
  const kind = dot === -1 ? gk : gk.slice(0, dot);
  const group = dot === -1 ? "" : gk.slice(dot + 1);
  const version = apiVersion ?? (await preferredVersion(cluster, group));
  if (!version) return []; // the API is gone from the cluster: nothing of it can be left
  const list = await cluster.objects.list(
    version,
    kind,
    undefined,
    undefined,
    undefined,
    undefined,
    undefined,
    `${APPLYSET.partOf}=${id}`,
  );
  return list.items.map((item) => {
    const name = item.metadata?.name ?? "";
    const namespace = item.metadata?.namespace;
    return {
      ref: { group, kind, namespace: namespace ?? null, name },
      header: { apiVersion: version, kind, metadata: { name, ...(namespace ? { namespace } : {}) } },
      annotations: item.metadata?.annotations,
      object: { ...(item as LiveObject), apiVersion: version, kind },
    };
  });
}

async function preferredVersion(cluster: ClusterClient, group: string): Promise<string | undefined> {
  if (group === "") return "v1";
  const groups = await apiClient(cluster.config, ApisApi).getAPIVersions();
  return groups.groups.find((g) => g.name === group)?.preferredVersion?.groupVersion;
}

/** An environment's ApplySet as found in a cluster. */
export interface EnvironmentSet {
  namespace: string;
  id: string;
  revision?: string;
  result?: string;
  /** The group-kinds the parent records (`Kind.group`), each listed once. */
  groupKinds: string[];
  members: Member[];
}

/**
 * Finds an environment's ApplySet parent (ConfigMap `capstan-<environment>`, in `namespace` or, when not
 * given, in whichever namespace holds it) and lists its live members.
 *
 * @throws CapstanError when there is no such parent, or several and no namespace was given
 */
export async function readEnvironmentSet(
  cluster: ClusterClient,
  environment: string,
  namespace?: string,
): Promise<EnvironmentSet> {
  const name = `capstan-${environment}`;
  const parents = (
    await cluster.objects.list(
      "v1",
      "ConfigMap",
      namespace,
      undefined,
      undefined,
      undefined,
      `metadata.name=${name}`,
      APPLYSET.id,
    )
  ).items.filter((p) => p.metadata?.annotations?.[APPLYSET.tooling] === TOOLING);
  const where = namespace ? `namespace ${namespace}` : "any namespace";
  if (parents.length === 0)
    throw new CapstanError(
      `environment ${environment} was never synced here: no ConfigMap ${name} in ${where}`,
    );
  if (parents.length > 1) {
    const found = parents.map((p) => p.metadata?.namespace).join(", ");
    throw new CapstanError(
      `environment ${environment} has parents in several namespaces (${found}); pass --namespace`,
    );
  }
  const parent = parents[0]!;
  const id = parent.metadata?.labels?.[APPLYSET.id] ?? "";
  const annotations = parent.metadata?.annotations ?? {};
  const members: Member[] = [];
  const groupKinds = splitList(annotations[APPLYSET.groupKinds]);
  for (const gk of groupKinds) members.push(...(await listMembers(cluster, gk, id)));
  return {
    namespace: parent.metadata?.namespace ?? "",
    id,
    revision: annotations["capstan.dev/revision"],
    result: annotations["capstan.dev/result"],
    groupKinds,
    members,
  };
}
