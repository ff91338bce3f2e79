import type { SourcePosition } from "../errors.js";
import {
  compareRefs,
  type KubeObject,
  type Manifest,
  maskSecretPair,
  normalize,
  type ObjectRef,
} from "../manifests/index.js";
import { deepEqual } from "./equal.js";
import { type ImageChange, imageChanges } from "./images.js";
import { pairObjects } from "./pair.js";
import { unifiedDiff } from "./unified.js";
import { toYaml } from "./yaml-text.js";

/** What a merge would do to one object. */
export type ChangeAction =
  /** In the head only: the object will be created. */
  | "added"
  /** In the base only: the object will be pruned. */
  | "removed"
  /** On both sides with a different normalized form. */
  | "changed";

/** One object that differs between base and head. Secret values are already masked. */
export interface ObjectChange {
  action: ChangeAction;
  ref: ObjectRef;
  /** The head's apiVersion, or the base's for a removed object. */
  apiVersion: string;
  /** Where the object is defined: the head's source, or the base's for a removed object. */
  source: SourcePosition;
  /** A unified diff of the normalized, masked YAML; every line is `+` or `−` for added or removed objects. */
  diff: string;
  images: ImageChange[];
}

/** The difference between an environment's base and head objects. */
export interface EnvironmentDiff {
  /** Changed, added and removed objects, sorted by kind, namespace and name. */
  changes: ObjectChange[];
  /** How many objects are the same on both sides. */
  unchanged: number;
}

/**
 * Diffs two renders of one environment object by object. Objects are compared after normalization, so
 * key order, defaulted protocols and `stringData` vs `data` make no difference; Secrets are masked before
 * any text is built.
 */
export function diffManifests(base: readonly Manifest[], head: readonly Manifest[]): EnvironmentDiff {
  const changes: ObjectChange[] = [];
  let unchanged = 0;
  for (const pair of pairObjects(base, head)) {
    const before = pair.base && normalize(pair.base.object);
    const after = pair.head && normalize(pair.head.object);
    if (before && after && deepEqual(before, after)) {
      unchanged++;
      continue;
    }
    const [maskedBefore, maskedAfter] = maskSecretPair(before, after);
    const shown = (pair.head ?? pair.base)!;
    changes.push({
      action: !before ? "added" : !after ? "removed" : "changed",
      ref: pair.ref,
      apiVersion: shown.object.apiVersion,
      source: shown.source,
      diff: unifiedDiff(textOf(maskedBefore), textOf(maskedAfter)),
      images: imageChanges(before, after),
    });
  }
  changes.sort((a, b) => compareRefs(a.ref, b.ref));
  return { changes, unchanged };
}

function textOf(object: KubeObject | undefined): string {
  return object ? toYaml(object) : "";
}
