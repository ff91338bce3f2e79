import type { Manifest } from "../manifests/index.js";
import { refKey } from "../manifests/index.js";
import {
  applySetId,
  cascades,
  groupKind,
  groupKindsOf,
  type Owner,
  PRUNE_ANNOTATION,
  pruneDisabled,
  union,
} from "./applyset.js";
import type { ClusterClient } from "./connect.js";
import { isNotFound, ObjectError } from "./errors.js";
import { listMembers, type Member } from "./members.js";
import { environmentParent, readParent } from "./parent.js";
import type { SyncOptions, SyncResult } from "./sync.js";

/**
 * Deletes (or, in a dry run, lists) the live members the render no longer has, except opted-out ones and
 * those whose deletion would cascade without consent; stops when the signal is aborted.
 */
export async function pruneMembers(
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
    } catch (err) {
      if (!isNotFound(err)) pruned.push({ ref: item.ref, error: new ObjectError(item.ref, "delete", err) });
      continue;
    }
    await options.onPrune?.(item.ref);
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
