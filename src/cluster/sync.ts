import { PatchStrategy } from "@kubernetes/client-node";
import { CapstanError } from "../errors.js";
import { type Manifest, type ObjectRef, refKey } from "../manifests/index.js";
import { APPLIED_KEY, formatRecord, parseRecord } from "./applied-record.js";
import { type ApplyOptions, type ApplyResult, applyObjects, defaultApplyOptions } from "./apply.js";
import {
  APPLYSET,
  applySetId,
  cascades,
  groupKind,
  groupKindsOf,
  namespacesOf,
  OWNER,
  type Owner,
  PRUNE_ANNOTATION,
  pruneDisabled,
  SYNC_RECORD,
  splitList,
  TOOLING,
  withMembership,
} from "./applyset.js";
import type { ClusterClient } from "./connect.js";
import { isNotFound, ObjectError } from "./errors.js";
import { FIELD_MANAGER } from "./field-manager.js";
import { listMembers, type Member } from "./members.js";
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
  /** Called after each object a prune deleted. */
  onPrune?: (ref: ObjectRef) => void | Promise<void>;
}

/** Defaults for the options that have them. */
export function defaultSyncOptions(): Pick<SyncOptions, "prune" | "allowEmpty" | "apply"> {
  return { prune: true, allowEmpty: false, apply: defaultApplyOptions() };
}

/** The name of an environment's ApplySet parent (a ConfigMap in its namespace) and of its Lease. */
export function parentName(environment: string): string {
  return `capstan-${environment}`;
}

/** The ApplySet id of an environment's parent. */
export function environmentApplySetId(environment: string, namespace: string): string {
  return applySetId(environmentParent(environment, namespace));
}

// The environment's ApplySet parent: a ConfigMap in its namespace.
function environmentParent(environment: string, namespace: string): Parent {
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
 * 1. Find the environment's ApplySet parent and refuse one that another tool owns.
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
  const old = await readParent(cluster, parent, id, options.owner);
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
      await prune(
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
          [APPLYSET.groupKinds]: (exact ? groupKinds : union(old.groupKinds, groupKinds)).join(","),
          [APPLYSET.namespaces]: (exact ? namespaces : union(old.namespaces, namespaces)).join(","),
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

// Deletes (or, in a dry run, lists) the live members the render no longer has, except opted-out ones and
// those whose deletion would cascade without consent; stops when the signal is aborted.
async function prune(
  cluster: ClusterClient,
  groupKinds: readonly string[],
  members: readonly Manifest[],
  id: string,
  options: Pick<SyncOptions, "signal" | "onPrune"> & { dryRun: boolean },
  pruned: SyncResult["pruned"],
  kept: SyncResult["kept"],
): Promise<void> {
  const { dryRun, signal } = options;
  for (const item of await pruneCandidates(cluster, groupKinds, members, id)) {
    // Another holder may own the environment by now: not one more delete.
    if (signal?.aborted) return;
    const cascade = cascadeWithoutConsent(item);
    if (cascade) {
      kept.push({ ref: item.ref, reason: cascade });
      continue;
    }
    if (dryRun) {
      pruned.push({ ref: item.ref });
      continue;
    }
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
      await options.onPrune?.(item.ref);
    } catch (err) {
      if (!isNotFound(err)) pruned.push({ ref: item.ref, error: new ObjectError(item.ref, "delete", err) });
    }
  }
}

// Why a prune candidate is left in place: its deletion cascades and it carries no `capstan.dev/prune: allow`.
function cascadeWithoutConsent(item: Member): string | undefined {
  const cascade = cascades(item.ref);
  if (!cascade || item.annotations?.[PRUNE_ANNOTATION] === "allow") return undefined;
  return `left in place (${cascade}); annotate it ${PRUNE_ANNOTATION}: allow to let a prune delete it`;
}

async function pruneCandidates(
  cluster: ClusterClient,
  groupKinds: readonly string[],
  members: readonly Manifest[],
  id: string,
): Promise<Member[]> {
  const keep = new Set(members.map((m) => refKey(m.ref)));
  const candidates: Member[] = [];
  for (const gk of groupKinds) {
    const known = members.find((m) => groupKind(m.ref) === gk)?.object.apiVersion;
    for (const item of await listMembers(cluster, gk, id, known)) {
      if (!keep.has(refKey(item.ref)) && !pruneDisabled(item.annotations)) candidates.push(item);
    }
  }
  return candidates;
}

/**
 * The live objects a sync of these objects would prune: members of the environment's ApplySet that the
 * render no longer has and that did not opt out. None when the environment was never synced.
 */
export async function plannedPrunes(
  cluster: ClusterClient,
  manifests: readonly Manifest[],
  environment: { name: string; namespace: string },
  owner?: Owner,
): Promise<Member[]> {
  const parent = environmentParent(environment.name, environment.namespace);
  const id = applySetId(parent);
  const old = await readParent(cluster, parent, id, owner);
  if (!old.exists) return [];
  const groupKinds = union(old.groupKinds, groupKindsOf(manifests.map((m) => m.ref)));
  return (await pruneCandidates(cluster, groupKinds, manifests, id)).filter((m) => !cascadeWithoutConsent(m));
}

interface ParentState {
  exists: boolean;
  groupKinds: string[];
  namespaces: string[];
  revision?: string;
  /** The last sync's record annotations, as they are. */
  record: Record<string, string>;
  /** The record of what was applied, as the parent's data holds it. */
  applied?: string;
}

type Parent = { name: string; namespace: string; kind: string; group: string };

async function readParent(
  cluster: ClusterClient,
  parent: Parent,
  id: string,
  owner: Owner | undefined,
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
  // A parent that records no repository (an older Capstan's, or `capstan sync`'s) is adopted by the first
  // repository that syncs it; one that records a repository is that repository's alone.
  if (recorded !== undefined && recorded !== String(owner?.id)) {
    const theirs = `${annotations[OWNER.name] ?? "a repository"} (id ${recorded})`;
    const ours = owner ? `${owner.name} (id ${owner.id})` : "a sync that names no repository";
    throw new CapstanError(
      `ConfigMap/${parent.namespace}/${parent.name} is the ApplySet parent of environment ${parent.name.slice("capstan-".length)} for ${theirs}, not for ${ours}; refused, nothing was applied or pruned. Two repositories cannot share an environment name in one namespace: rename the environment or move it to another namespace`,
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

async function writeParent(
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

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
