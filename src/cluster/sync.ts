import { PatchStrategy } from "@kubernetes/client-node";
import { CapstanError } from "../errors.js";
import { type Manifest, type ObjectRef, refKey } from "../manifests/index.js";
import { formatRecord, parseRecord } from "./applied-record.js";
import { type ApplyOptions, type ApplyResult, applyObjects, defaultApplyOptions } from "./apply.js";
import {
  APPLYSET,
  applySetId,
  groupKindsOf,
  namespacesOf,
  OWNER,
  type Owner,
  SYNC_RECORD,
  union,
  withMembership,
} from "./applyset.js";
import { claimedElsewhere } from "./claims.js";
import type { ClusterClient } from "./connect.js";
import { isNotFound, type ObjectError } from "./errors.js";
import { FIELD_MANAGER } from "./field-manager.js";
import { environmentParent, readParent, writeParent } from "./parent.js";
import { pruneMembers } from "./prune.js";
import { resolveScopes } from "./scope.js";

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
  /** How to apply; with `dryRun` nothing is written, the parent included, and prunes are only listed. */
  apply: ApplyOptions;
  /** Aborted when the sync must stop writing (its lease was lost): nothing more is applied or pruned. */
  signal?: AbortSignal;
  /**
   * The repository the environment belongs to, recorded on the parent. A parent recorded for another
   * repository is refused; without an owner, only a parent that records none is synced.
   */
  owner?: Owner;
  /**
   * Let `owner` take a parent that records no repository (an operator's `capstan sync --repository`);
   * the app never does, since such a parent may hold another repository's objects.
   */
  adoptUnowned?: boolean;
  /** Called after each object a prune deleted. */
  onPrune?: (ref: ObjectRef) => void | Promise<void>;
}

/** Defaults for the options that have them. */
export function defaultSyncOptions(): Pick<SyncOptions, "prune" | "allowEmpty" | "apply"> {
  return { prune: true, allowEmpty: false, apply: defaultApplyOptions() };
}

/** What one sync did. */
export interface SyncResult {
  applied: ApplyResult[];
  /** Members deleted (or, in a dry run, to be deleted) because the render no longer has them. */
  pruned: Array<{ ref: ObjectRef; error?: ObjectError }>;
  /** Members the render no longer has that were left in place, because deleting them would cascade. */
  kept: Array<{ ref: ObjectRef; reason: string }>;
  /** Whether every apply, prune and the final record succeeded. */
  succeeded: boolean;
  /** Why the sync failed as a whole (not per object): prune skipped, the record not written… */
  problems: string[];
  /** The revision the parent recorded before this sync. */
  previousRevision?: string;
}

/**
 * Makes a cluster match an environment's objects at one revision.
 *
 * 1. Find the environment's ApplySet parent and refuse one that another tool or repository owns, and
 *    refuse the whole sync when an object belongs to another ApplySet or a Namespace to another
 *    repository.
 * 2. Record on the parent the union of the old and new group-kinds and namespaces, so an interrupted sync
 *    can still prune everything it may have created.
 * 3. Apply the objects with the ApplySet membership label (see `applyObjects`).
 * 4. Only if every apply succeeded: delete the members the render no longer has, except those that opted
 *    out of pruning, and Namespaces and CRDs (their deletion cascades) unless they opted in. Pruning
 *    stops as soon as the signal is aborted.
 * 5. Record the exact new set, the revision, the time and the result on the parent.
 *
 * @throws CapstanError when the parent belongs to another tool or another repository, or the sync would
 *   prune everything and the environment does not allow that; nothing is written then
 */
export async function syncEnvironment(
  cluster: ClusterClient,
  manifests: readonly Manifest[],
  options: SyncOptions,
): Promise<SyncResult> {
  const parent = environmentParent(options.environment, options.namespace);
  const id = applySetId(parent);
  if (manifests.length === 0 && options.prune && !options.allowEmpty) {
    throw new CapstanError(
      `the render of ${options.environment} is empty, so the sync would prune every object; refused (set allowEmpty: true to allow it)`,
    );
  }
  const members = withMembership(await resolveScopes(cluster, manifests), id, options.owner);
  const dryRun = options.apply.dryRun ?? false;
  const old = await readParent(cluster, parent, id, options.owner, options.adoptUnowned);
  const taken = await claimedElsewhere(cluster, members, id, options.owner);
  if (taken.length > 0) {
    throw new CapstanError(
      `${taken.slice(0, 5).join("; ")}${taken.length > 5 ? ` (and ${taken.length - 5} more)` : ""}: another environment or repository applies ${taken.length === 1 ? "it" : "them"}; refused, nothing was applied or pruned`,
    );
  }
  const refs = members.map((m) => m.ref);
  const groupKinds = groupKindsOf(refs);
  const namespaces = namespacesOf(refs, parent.namespace);
  if (!dryRun) {
    await ensureNamespace(cluster, parent.namespace, options.owner);
    await writeParent(
      cluster,
      parent,
      id,
      options.owner,
      {
        [APPLYSET.groupKinds]: union(old.groupKinds, groupKinds).join(","),
        [APPLYSET.namespaces]: union(old.namespaces, namespaces).join(","),
        // Server-side apply drops the fields our manager stops sending: the last sync's record is repeated
        // so that an interrupted sync leaves it in place.
        ...old.record,
      },
      // The record of what was applied is dropped until this sync ends: after an interruption, objects
      // may hold neither the old nor the new state, and only a dry-run can tell.
      undefined,
    );
  }
  const creates = dryRun && !(await namespaceExists(cluster, parent.namespace)) ? [parent.namespace] : [];
  const applied = await applyObjects(cluster, members, {
    ...options.apply,
    creates,
    applied: parseRecord(old.applied),
    signal: options.signal,
  });
  const pruned: SyncResult["pruned"] = [];
  const kept: SyncResult["kept"] = [];
  const problems: string[] = [];
  const failed = applied.filter((r) => r.action === "failed").length;
  if (failed > 0 && options.prune)
    problems.push(`${failed} object(s) failed to apply, so nothing was pruned`);
  else if (options.signal?.aborted)
    problems.push(`stopped: ${String(options.signal.reason)}; nothing was pruned`);
  else if (options.prune && old.exists) {
    try {
      await pruneMembers(
        cluster,
        union(old.groupKinds, groupKinds),
        members,
        id,
        { ...options, dryRun },
        pruned,
        kept,
      );
    } catch (err) {
      problems.push(`pruning stopped: ${(err as Error).message}`);
    }
    if (options.signal?.aborted)
      problems.push(
        `stopped: ${String(options.signal.reason)}; pruning stopped after ${pruned.length} object(s)`,
      );
  }
  const succeeded = failed === 0 && problems.length === 0 && pruned.every((p) => !p.error);
  // Pruning is what lets the recorded set shrink to this render's; without it, the union is kept so a
  // later pruning sync still looks at every kind and namespace this environment ever had.
  const exact = succeeded && options.prune;
  // What was left in place is still a member: later syncs keep reporting it, and prune it once it opts in.
  const keptRefs = kept.map((k) => k.ref);
  const exactKinds = union(groupKinds, groupKindsOf(keptRefs));
  const exactNamespaces = union(namespaces, namespacesOf(keptRefs, parent.namespace));
  // A sync that lost its lease writes nothing more: another holder may be syncing by now.
  if (!dryRun && !options.signal?.aborted) {
    try {
      await writeParent(
        cluster,
        parent,
        id,
        options.owner,
        {
          // After a failure the union stays recorded, so the next sync still prunes what this one created.
          [APPLYSET.groupKinds]: (exact ? exactKinds : union(old.groupKinds, groupKinds)).join(","),
          [APPLYSET.namespaces]: (exact ? exactNamespaces : union(old.namespaces, namespaces)).join(","),
          [SYNC_RECORD.revision]: succeeded ? options.revision : (old.revision ?? ""),
          [SYNC_RECORD.syncedAt]: new Date().toISOString(),
          [SYNC_RECORD.result]: succeeded
            ? `succeeded at ${options.revision}`
            : `failed at ${options.revision}`,
        },
        formatRecord(
          new Map(
            applied
              // A Secret's hash would let anyone who reads the parent test guesses of its values offline.
              .filter((r) => r.hash && !(r.ref.kind === "Secret" && r.ref.group === ""))
              .map((r) => [refKey(r.ref), r.hash!]),
          ),
        ),
      );
    } catch (err) {
      problems.push(
        `the sync's record could not be written to ConfigMap/${parent.namespace}/${parent.name}: ${(err as Error).message}`,
      );
    }
  }
  return {
    applied,
    pruned,
    kept,
    succeeded: succeeded && problems.length === 0,
    problems,
    previousRevision: old.revision,
  };
}

async function namespaceExists(cluster: ClusterClient, name: string): Promise<boolean> {
  try {
    await cluster.objects.read({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Creates a namespace unless it exists (the environment's, which holds its parent and Lease). One created
 * for a repository records it as its owner.
 */
export async function ensureNamespace(cluster: ClusterClient, name: string, owner?: Owner): Promise<void> {
  if (!(await namespaceExists(cluster, name))) {
    const labels = owner ? { [OWNER.id]: String(owner.id) } : undefined;
    await cluster.objects.patch(
      { apiVersion: "v1", kind: "Namespace", metadata: { name, ...(labels ? { labels } : {}) } } as never,
      undefined,
      undefined,
      FIELD_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  }
}
