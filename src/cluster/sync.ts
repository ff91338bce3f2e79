import { ApisApi, PatchStrategy } from "@kubernetes/client-node";
import { CapstanError } from "../errors.js";
import { type Manifest, type ObjectRef, refKey } from "../manifests/index.js";
import { type ApplyOptions, type ApplyResult, applyObjects, defaultApplyOptions } from "./apply.js";
import {
  APPLYSET,
  applySetId,
  groupKindsOf,
  namespacesOf,
  pruneDisabled,
  SYNC_RECORD,
  splitList,
  TOOLING,
  withMembership,
} from "./applyset.js";
import type { ClusterClient } from "./connect.js";
import { isNotFound, ObjectError } from "./errors.js";
import { FIELD_MANAGER } from "./live-diff.js";

/** Options for {@link syncEnvironment}. */
export interface SyncOptions {
  /** The environment's name; its ApplySet parent is the ConfigMap `capstan-<name>`. */
  environment: string;
  /** Where the parent lives (the environment's namespace); created if missing. */
  namespace: string;
  /** The Git revision being synced, recorded on the parent. */
  revision: string;
  /** Delete members the render no longer has. */
  prune: boolean;
  /** Allow a sync that leaves the environment empty. */
  allowEmpty: boolean;
  apply: ApplyOptions;
}

/** Defaults for the options that have them. */
export function defaultSyncOptions(): Pick<SyncOptions, "prune" | "allowEmpty" | "apply"> {
  return { prune: true, allowEmpty: false, apply: defaultApplyOptions() };
}

/** What one sync did. */
export interface SyncResult {
  applied: ApplyResult[];
  /** Members deleted because the render no longer has them (or failed to delete). */
  pruned: Array<{ ref: ObjectRef; error?: ObjectError }>;
  /** Whether every apply (and prune) succeeded. */
  succeeded: boolean;
}

/**
 * Makes a cluster match an environment's objects at one revision.
 *
 * 1. Find the environment's ApplySet parent and refuse one that another tool owns.
 * 2. Record on the parent the union of the old and new group-kinds and namespaces, so an interrupted sync
 *    can still prune everything it may have created.
 * 3. Apply the objects with the ApplySet membership label (see `applyObjects`).
 * 4. Only if every apply succeeded: delete the members the render no longer has, except those that opted
 *    out of pruning.
 * 5. Record the exact new set, the revision, the time and the result on the parent.
 *
 * @throws CapstanError when the parent belongs to another tool, or the sync would prune everything and the
 *   environment does not allow that; nothing is written then
 */
export async function syncEnvironment(
  cluster: ClusterClient,
  manifests: readonly Manifest[],
  options: SyncOptions,
): Promise<SyncResult> {
  const parent = {
    name: `capstan-${options.environment}`,
    namespace: options.namespace,
    kind: "ConfigMap",
    group: "",
  };
  const id = applySetId(parent);
  if (manifests.length === 0 && options.prune && !options.allowEmpty) {
    throw new CapstanError(
      `the render of ${options.environment} is empty, so the sync would prune every object; refused (set allowEmpty: true to allow it)`,
    );
  }
  const members = withMembership(manifests, id);
  const old = await readParent(cluster, parent, id);
  const refs = members.map((m) => m.ref);
  const groupKinds = groupKindsOf(refs);
  const namespaces = namespacesOf(refs, parent.namespace);
  await ensureNamespace(cluster, parent.namespace);
  await writeParent(cluster, parent, id, {
    [APPLYSET.groupKinds]: union(old.groupKinds, groupKinds).join(","),
    [APPLYSET.namespaces]: union(old.namespaces, namespaces).join(","),
  });
  const applied = await applyObjects(cluster, members, options.apply);
  const pruned: SyncResult["pruned"] = [];
  const applyFailed = applied.some((r) => r.action === "failed");
  if (!applyFailed && options.prune) {
    const keep = new Set(refs.map(refKey));
    for (const gk of union(old.groupKinds, groupKinds)) {
      for (const item of await listMembers(cluster, gk, members, id)) {
        if (keep.has(refKey(item.ref)) || pruneDisabled(item.annotations)) continue;
        try {
          await cluster.objects.delete(
            item.header as never,
            undefined,
            undefined,
            undefined,
            undefined,
            "Background",
          );
          pruned.push({ ref: item.ref });
        } catch (err) {
          if (!isNotFound(err))
            pruned.push({ ref: item.ref, error: new ObjectError(item.ref, "delete", err) });
        }
      }
    }
  }
  const succeeded = !applyFailed && pruned.every((p) => !p.error);
  await writeParent(cluster, parent, id, {
    // After a failed apply the union stays recorded, so the next sync still prunes what this one created.
    [APPLYSET.groupKinds]: (succeeded ? groupKinds : union(old.groupKinds, groupKinds)).join(","),
    [APPLYSET.namespaces]: (succeeded ? namespaces : union(old.namespaces, namespaces)).join(","),
    [SYNC_RECORD.revision]: succeeded ? options.revision : (old.revision ?? ""),
    [SYNC_RECORD.syncedAt]: new Date().toISOString(),
    [SYNC_RECORD.result]: succeeded ? `succeeded at ${options.revision}` : `failed at ${options.revision}`,
  });
  return { applied, pruned, succeeded };
}

interface ParentState {
  groupKinds: string[];
  namespaces: string[];
  revision?: string;
}

type Parent = { name: string; namespace: string; kind: string; group: string };

async function readParent(cluster: ClusterClient, parent: Parent, id: string): Promise<ParentState> {
  let live: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } };
  try {
    live = await cluster.objects.read({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: parent.name, namespace: parent.namespace },
    });
  } catch (err) {
    if (isNotFound(err)) return { groupKinds: [], namespaces: [] };
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
  return {
    groupKinds: splitList(annotations[APPLYSET.groupKinds]),
    namespaces: splitList(annotations[APPLYSET.namespaces]),
    revision: annotations[SYNC_RECORD.revision],
  };
}

async function writeParent(
  cluster: ClusterClient,
  parent: Parent,
  id: string,
  annotations: Record<string, string>,
): Promise<void> {
  await cluster.objects.patch(
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: parent.name,
        namespace: parent.namespace,
        labels: { [APPLYSET.id]: id },
        annotations: { [APPLYSET.tooling]: TOOLING, ...annotations },
      },
    } as never,
    undefined,
    undefined,
    FIELD_MANAGER,
    true,
    PatchStrategy.ServerSideApply,
  );
}

async function ensureNamespace(cluster: ClusterClient, name: string): Promise<void> {
  try {
    await cluster.objects.read({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await cluster.objects.patch(
      { apiVersion: "v1", kind: "Namespace", metadata: { name } } as never,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  }
}

interface Member {
  ref: ObjectRef;
  header: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
  annotations?: Record<string, string>;
}

// Every live object of a group-kind carrying this ApplySet's membership label, in all namespaces.
async function listMembers(
  cluster: ClusterClient,
  gk: string,
  members: readonly Manifest[],
  id: string,
): Promise<Member[]> {
  const dot = gk.indexOf(".");
  const kind = dot === -1 ? gk : gk.slice(0, dot);
  const group = dot === -1 ? "" : gk.slice(dot + 1);
  const apiVersion =
    members.find((m) => m.ref.kind === kind && m.ref.group === group)?.object.apiVersion ??
    (await preferredVersion(cluster, group));
  if (!apiVersion) return []; // the API is gone from the cluster: nothing of it can be left
  const list = await cluster.objects.list(
    apiVersion,
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
      header: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } },
      annotations: item.metadata?.annotations,
    };
  });
}

async function preferredVersion(cluster: ClusterClient, group: string): Promise<string | undefined> {
  if (group === "") return "v1";
  const groups = await cluster.config.makeApiClient(ApisApi).getAPIVersions();
  return groups.groups.find((g) => g.name === group)?.preferredVersion?.groupVersion;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
