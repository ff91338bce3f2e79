import { PatchStrategy } from "@kubernetes/client-node";
import {
  deepEqual,
  type EnvironmentDiff,
  imageChanges,
  type ObjectChange,
  toYaml,
  unifiedDiff,
} from "../diff/index.js";
import {
  compareRefs,
  type KubeObject,
  type Manifest,
  maskSecretPair,
  normalize,
} from "../manifests/index.js";
import { type Owner, withMembership } from "./applyset.js";
import type { ClusterClient } from "./connect.js";
import { isNotFound, ObjectError } from "./errors.js";
import { FIELD_MANAGER } from "./field-manager.js";
import { objectHeader } from "./object-header.js";
import { environmentApplySetId } from "./parent.js";
import { plannedPrunes } from "./prune.js";
import { resolveScopes } from "./scope.js";

/** A live diff: what applying would change, and the objects the cluster refused to dry-run. */
export interface LiveDiff extends EnvironmentDiff {
  errors: ObjectError[];
}

/**
 * What applying an environment's objects would change in a cluster, exactly: each object is applied with
 * server-side apply in dry-run mode (`dryRun=All`, field manager `capstan`), so the apiserver runs its
 * defaulting, validation and admission, and the result is compared with the live object. Secrets are
 * masked. Objects the cluster refuses are returned as errors; the others are still diffed. Given the
 * environment, objects carry its ApplySet's membership label as a sync would apply them, and (when it
 * prunes) the members a sync would prune are listed as removed.
 */
export async function liveDiff(
  cluster: ClusterClient,
  manifests: readonly Manifest[],
  environment?: { name: string; namespace: string; prune: boolean; owner?: Owner },
): Promise<LiveDiff> {
  // A sync labels every object as a member of the environment's ApplySet, so the dry-run must too, or
  // every synced object would show the label's removal.
  const scoped = await resolveScopes(cluster, manifests);
  const objects = environment
    ? withMembership(
        scoped,
        environmentApplySetId(environment.name, environment.namespace),
        environment.owner,
      )
    : scoped;
  const changes: ObjectChange[] = [];
  const errors: ObjectError[] = [];
  let unchanged = 0;
  for (const m of objects) {
    let live: KubeObject | undefined;
    try {
      live = (await cluster.objects.read(objectHeader(m))) as unknown as KubeObject;
    } catch (err) {
      if (!isNotFound(err)) {
        errors.push(new ObjectError(m.ref, "read", err));
        continue;
      }
    }
    let applied: KubeObject;
    try {
      applied = (await cluster.objects.patch(
        m.object as never,
        undefined,
        "All",
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      )) as unknown as KubeObject;
    } catch (err) {
      errors.push(new ObjectError(m.ref, "dry-run", err));
      continue;
    }
    const before = live && normalize(live);
    const after = normalize(applied);
    if (before && deepEqual(before, after)) {
      unchanged++;
      continue;
    }
    const [maskedBefore, maskedAfter] = maskSecretPair(before, after);
    changes.push({
      action: before ? "changed" : "added",
      ref: m.ref,
      apiVersion: m.object.apiVersion,
      source: m.source,
      diff: unifiedDiff(maskedBefore ? toYaml(maskedBefore) : "", toYaml(maskedAfter!)),
      images: imageChanges(before, after),
    });
  }
  if (environment?.prune) {
    for (const member of await plannedPrunes(cluster, scoped, environment, environment.owner)) {
      const [before] = maskSecretPair(normalize(member.object as KubeObject), undefined);
      changes.push({
        action: "removed",
        ref: member.ref,
        apiVersion: member.header.apiVersion,
        source: { file: `live in cluster ${cluster.name}`, line: 0 },
        diff: unifiedDiff(toYaml(before), ""),
        images: imageChanges(before, undefined),
      });
    }
  }
  changes.sort((a, b) => compareRefs(a.ref, b.ref));
  return { changes, unchanged, errors };
}
