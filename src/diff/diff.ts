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
import {
  type LabelChurn,
  labelChurn,
  pairRenames,
  type Rename,
  withoutChurn,
  withRenamesApplied,
} from "./generated.js";
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
  /** A generated ConfigMap or Secret whose name changed with its content hash: its base name. */
  renamedFrom?: string;
  /**
   * Set when the object changed only in its references to renamed generated objects: what to say
   * instead of a diff (`diff` is then empty).
   */
  note?: string;
}

/** The difference between an environment's base and head objects. */
export interface EnvironmentDiff {
  /** Changed, added and removed objects, sorted by kind, namespace and name. */
  changes: ObjectChange[];
  /** How many objects are the same on both sides (churn-only objects included, see `churn`). */
  unchanged: number;
  /**
   * Release-wide label changes (helm's `helm.sh/chart` on a chart version bump), left out of every
   * object's diff, and how many objects changed by nothing else.
   */
  churn?: { labels: LabelChurn[]; objects: number };
}

/**
 * Diffs two renders of one environment object by object. Objects are compared after normalization, so
 * key order, defaulted protocols and `stringData` vs `data` make no difference; Secrets are masked before
 * any text is built.
 */
export function diffManifests(base: readonly Manifest[], head: readonly Manifest[]): EnvironmentDiff {
  const changes: ObjectChange[] = [];
  let unchanged = 0;
  const paired = pairObjects(base, head);
  // kustomize's generated names change with their content: such a pair is one changed object.
  const renames = pairRenames(
    paired.flatMap((p) => (p.base && !p.head ? [p.base] : [])),
    paired.flatMap((p) => (p.head && !p.base ? [p.head] : [])),
  );
  const renamed = new Set(renames.flatMap((r) => [r.base, r.head]));
  const pairs = [
    ...paired.filter((p) => !renamed.has((p.base ?? p.head)!)),
    ...renames.map((r) => ({ ref: r.head.ref, base: r.base, head: r.head })),
  ];
  const churned = new Map<string, LabelChurn>();
  let churnOnly = 0;
  for (const pair of pairs) {
    let before = pair.base && normalize(pair.base.object);
    let after = pair.head && normalize(pair.head.object);
    const renamedFrom =
      pair.base && pair.head && pair.base.ref.name !== pair.ref.name ? pair.base.ref.name : undefined;
    let note: string | undefined;
    if (before && after) {
      if (renamedFrom) before = { ...before, metadata: { ...before.metadata, name: after.metadata.name } };
      const churn = labelChurn(before, after);
      if (churn.length > 0) {
        for (const c of churn) churned.set(`${c.label}|${c.from}|${c.to}`, c);
        before = withoutChurn(before, churn);
        after = withoutChurn(after, churn);
      }
      if (deepEqual(before, after) && !renamedFrom) {
        unchanged++;
        if (churn.length > 0) churnOnly++;
        continue;
      }
      note = renames.length > 0 && !renamedFrom ? referenceNote(before, after, pair.ref, renames) : undefined;
    }
    const [maskedBefore, maskedAfter] = maskSecretPair(before, after);
    const shown = (pair.head ?? pair.base)!;
    changes.push({
      action: !before ? "added" : !after ? "removed" : "changed",
      ref: pair.ref,
      apiVersion: shown.object.apiVersion,
      source: shown.source,
      diff: note ? "" : unifiedDiff(textOf(maskedBefore), textOf(maskedAfter)),
      images: imageChanges(before, after),
      ...(renamedFrom ? { renamedFrom } : {}),
      ...(note ? { note } : {}),
    });
  }
  changes.sort((a, b) => compareRefs(a.ref, b.ref));
  return {
    changes,
    unchanged,
    ...(churned.size > 0 ? { churn: { labels: [...churned.values()], objects: churnOnly } } : {}),
  };
}

// When an object differs only by the generated names it refers to, what to say instead of its diff.
function referenceNote(
  before: KubeObject,
  after: KubeObject,
  ref: ObjectRef,
  renames: readonly Rename[],
): string | undefined {
  if (!deepEqual(withRenamesApplied(before, ref, renames), after)) return undefined;
  const text = JSON.stringify(before);
  const used = renames.filter(
    (r) => r.base.ref.namespace === ref.namespace && text.includes(JSON.stringify(r.base.ref.name)),
  );
  return `only its references to generated names changed: ${used.map((r) => `${r.base.ref.name} → ${r.head.ref.name}`).join(", ")}`;
}

function textOf(object: KubeObject | undefined): string {
  return object ? toYaml(object) : "";
}
