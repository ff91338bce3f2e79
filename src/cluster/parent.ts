import { PatchStrategy } from "@kubernetes/client-node";
import { CapstanError } from "../errors.js";
import { APPLIED_KEY } from "./applied-record.js";
import { APPLYSET, applySetId, OWNER, type Owner, SYNC_RECORD, splitList, TOOLING } from "./applyset.js";
import type { ClusterClient } from "./connect.js";
import { isNotFound, ObjectError } from "./errors.js";
import { FIELD_MANAGER } from "./field-manager.js";

/** The name of an environment's ApplySet parent (a ConfigMap in its namespace) and of its Lease. */
export function parentName(environment: string): string {
  return `capstan-${environment}`;
}

/** The ApplySet id of an environment's parent. */
export function environmentApplySetId(environment: string, namespace: string): string {
  return applySetId(environmentParent(environment, namespace));
}

/** The environment's ApplySet parent: a ConfigMap in its namespace. */
export function environmentParent(environment: string, namespace: string): Parent {
  return { name: parentName(environment), namespace, kind: "ConfigMap", group: "" };
}

/**
 * The revision an environment's last successful sync recorded on its parent, or `undefined` when it was
 * never synced (or the parent is not Capstan's).
 */
export async function syncedRevision(
  cluster: ClusterClient,
  environment: string,
  namespace: string,
  owner?: Owner,
): Promise<string | undefined> {
  const parent = environmentParent(environment, namespace);
  try {
    return (await readParent(cluster, parent, applySetId(parent), owner)).revision || undefined;
  } catch (err) {
    if (err instanceof CapstanError) return undefined;
    throw err;
  }
}

/**
 * Refuses, before anything is written (the Lease included), an environment whose parent belongs to
 * another tool or repository; the sync checks again under its Lease.
 *
 * @throws CapstanError as {@link readParent} does
 */
export async function checkParent(
  cluster: ClusterClient,
  environment: string,
  namespace: string,
  owner: Owner | undefined,
  adopt = false,
): Promise<void> {
  const parent = environmentParent(environment, namespace);
  await readParent(cluster, parent, applySetId(parent), owner, adopt);
}

/** What an environment's parent records, as read before a sync. */
export interface ParentState {
  exists: boolean;
  groupKinds: string[];
  namespaces: string[];
  revision?: string;
  /** The last sync's record annotations, as they are. */
  record: Record<string, string>;
  /** The record of what was applied, as the parent's data holds it. */
  applied?: string;
}

/** A parent object's identity. */
export type Parent = { name: string; namespace: string; kind: string; group: string };

/**
 * Reads an environment's parent; a missing one reads as never synced.
 *
 * @throws CapstanError when it belongs to another tool or another repository
 */
export async function readParent(
  cluster: ClusterClient,
  parent: Parent,
  id: string,
  owner: Owner | undefined,
  adopt = false,
): Promise<ParentState> {
  let live: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    data?: Record<string, string>;
  };
  try {
    live = await cluster.objects.read({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: parent.name, namespace: parent.namespace },
    });
  } catch (err) {
    if (isNotFound(err)) return { exists: false, groupKinds: [], namespaces: [], record: {} };
    throw new ObjectError(
      { group: "", kind: "ConfigMap", namespace: parent.namespace, name: parent.name },
      "read",
      err,
    );
  }
  const labels = live.metadata?.labels ?? {};
  const annotations = live.metadata?.annotations ?? {};
  if (labels[APPLYSET.id] !== id || annotations[APPLYSET.tooling] !== TOOLING) {
    throw new CapstanError(
      `ConfigMap/${parent.namespace}/${parent.name} exists but is not Capstan's ApplySet parent (id ${labels[APPLYSET.id] ?? "none"}, tooling ${annotations[APPLYSET.tooling] ?? "none"}); refused`,
    );
  }
  const recorded = labels[OWNER.id];
  const where = `ConfigMap/${parent.namespace}/${parent.name}`;
  // A parent that records no repository (an older Capstan's, or `capstan sync`'s without --repository)
  // may hold any repository's objects: only an operator's explicit sync gives it to one repository.
  if (recorded === undefined && owner && !adopt) {
    throw new CapstanError(
      `${where} records no repository (written by an older Capstan, or by capstan sync without --repository), so its members may be another repository's; refused, nothing was applied or pruned. An operator gives it to ${owner.name} with: capstan sync --repository ${owner.name} --repository-id ${owner.id} --env ${parent.name.slice("capstan-".length)} …`,
    );
  }
  // One that records a repository is that repository's alone.
  if (recorded !== undefined && recorded !== String(owner?.id)) {
    const theirs = `${annotations[OWNER.name] ?? "a repository"} (id ${recorded})`;
    const ours = owner ? `${owner.name} (id ${owner.id})` : "a sync that names no repository";
    const fix = owner
      ? "Two repositories cannot share an environment name in one namespace: rename the environment or move it to another namespace"
      : `To sync it by hand as that repository, pass --repository ${annotations[OWNER.name] ?? "OWNER/REPO"} --repository-id ${recorded}`;
    throw new CapstanError(
      `${where} is the ApplySet parent of environment ${parent.name.slice("capstan-".length)} for ${theirs}, not for ${ours}; refused, nothing was applied or pruned. ${fix}`,
    );
  }
  return {
    exists: true,
    groupKinds: splitList(annotations[APPLYSET.groupKinds]),
    namespaces: splitList(annotations[APPLYSET.namespaces]),
    revision: annotations[SYNC_RECORD.revision],
    record: Object.fromEntries(
      Object.values(SYNC_RECORD)
        .filter((key) => annotations[key] !== undefined)
        .map((key) => [key, annotations[key]!]),
    ),
    applied: live.data?.[APPLIED_KEY],
  };
}

/** Writes the parent's labels, annotations and applied record with server-side apply. */
export async function writeParent(
  cluster: ClusterClient,
  parent: Parent,
  id: string,
  owner: Owner | undefined,
  annotations: Record<string, string>,
  applied: string | undefined,
): Promise<void> {
  await cluster.objects.patch(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: parent.name,
        namespace: parent.namespace,
        labels: { [APPLYSET.id]: id, ...(owner ? { [OWNER.id]: String(owner.id) } : {}) },
        annotations: {
          [APPLYSET.tooling]: TOOLING,
          ...(owner ? { [OWNER.name]: owner.name } : {}),
          ...annotations,
        },
      },
      ...(applied !== undefined ? { data: { [APPLIED_KEY]: applied } } : {}),
    } as never,
    undefined,
    undefined,
    FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  );
}
