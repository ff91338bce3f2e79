import { isRecord, type KubeObject, type Manifest, type ObjectRef } from "../manifests/index.js";

// kustomize appends a 10-character content hash to the names of the ConfigMaps and Secrets it generates.
const HASHED = /^(.+)-([a-z0-9]{10})$/;
const GENERATED_KINDS = new Set(["ConfigMap", "Secret"]);

/** A generated object renamed by a new content hash: the same object to a reviewer. */
export interface Rename {
  base: Manifest;
  head: Manifest;
}

/**
 * Pairs the ConfigMaps and Secrets that only the base has with those that only the head has, where both
 * names are one prefix and a kustomize hash suffix in one namespace (`settings-7f9c2bk8h2` →
 * `settings-5d8m2g4t6f`). A prefix with more than one candidate on a side stays unpaired: a wrong pairing
 * would hide an addition.
 */
export function pairRenames(baseOnly: readonly Manifest[], headOnly: readonly Manifest[]): Rename[] {
  const key = (m: Manifest) => {
    const match = GENERATED_KINDS.has(m.ref.kind) && m.ref.group === "" ? HASHED.exec(m.ref.name) : null;
    return match ? `${m.ref.kind}|${m.ref.namespace ?? ""}|${match[1]}` : undefined;
  };
  const group = (list: readonly Manifest[]) => {
    const byKey = new Map<string, Manifest[]>();
    for (const m of list) {
      const k = key(m);
      if (k) byKey.set(k, [...(byKey.get(k) ?? []), m]);
    }
    return byKey;
  };
  const bases = group(baseOnly);
  const renames: Rename[] = [];
  for (const [k, heads] of group(headOnly)) {
    const candidates = bases.get(k);
    if (heads.length === 1 && candidates?.length === 1)
      renames.push({ base: candidates[0]!, head: heads[0]! });
  }
  return renames;
}

/** `object` with every string equal to a renamed name (of its namespace) replaced by the new name. */
export function withRenamesApplied(
  object: KubeObject,
  ref: ObjectRef,
  renames: readonly Rename[],
): KubeObject {
  const names = new Map(
    renames
      .filter((r) => r.base.ref.namespace === ref.namespace)
      .map((r) => [r.base.ref.name, r.head.ref.name] as const),
  );
  if (names.size === 0) return object;
  const replace = (value: unknown): unknown => {
    if (typeof value === "string") return names.get(value) ?? value;
    if (Array.isArray(value)) return value.map(replace);
    if (!isRecord(value)) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
  };
  return replace(object) as KubeObject;
}

// Labels helm charts stamp on every object of a release, which change with every chart version.
const CHURN_LABELS = ["helm.sh/chart", "chart", "app.kubernetes.io/version"];

/** A release-wide label change: `helm.sh/chart: app-1.2.3 → app-1.2.4`. */
export interface LabelChurn {
  label: string;
  from: string;
  to: string;
}

/** The churn labels' values an object carries at any depth (its own and its templates'). */
function churnOf(value: unknown, found: Map<string, string>): Map<string, string> {
  if (Array.isArray(value)) for (const v of value) churnOf(v, found);
  else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === "labels" && isRecord(v)) {
        for (const label of CHURN_LABELS)
          if (typeof v[label] === "string") found.set(label, v[label] as string);
      } else churnOf(v, found);
    }
  }
  return found;
}

/** The churn labels' changes between two versions of an object (empty when none changed). */
export function labelChurn(before: KubeObject, after: KubeObject): LabelChurn[] {
  const a = churnOf(before, new Map());
  const b = churnOf(after, new Map());
  return CHURN_LABELS.flatMap((label) =>
    a.has(label) && b.has(label) && a.get(label) !== b.get(label)
      ? [{ label, from: a.get(label)!, to: b.get(label)! }]
      : [],
  );
}

/** `object` without the churn labels that changed, everywhere a `labels` map holds them. */
export function withoutChurn(object: KubeObject, churn: readonly LabelChurn[]): KubeObject {
  const drop = new Set(churn.map((c) => c.label));
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (!isRecord(value)) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === "labels" && isRecord(v)
          ? Object.fromEntries(Object.entries(v).filter(([l]) => !drop.has(l)))
          : strip(v),
      ]),
    );
  };
  return strip(object) as KubeObject;
}
