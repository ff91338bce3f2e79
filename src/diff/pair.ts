import { type Manifest, type ObjectRef, refKey } from "../manifests/index.js";

/** One identity with its object on each side where it exists. */
export interface ObjectPair {
  ref: ObjectRef;
  base?: Manifest;
  head?: Manifest;
}

/** Pairs two object sets by group, kind, namespace and name, in the order of the head then the base. */
export function pairObjects(base: readonly Manifest[], head: readonly Manifest[]): ObjectPair[] {
  const pairs = new Map<string, ObjectPair>();
  for (const m of head) pairs.set(refKey(m.ref), { ref: m.ref, head: m });
  for (const m of base) {
    const key = refKey(m.ref);
    const pair = pairs.get(key);
    if (pair) pair.base = m;
    else pairs.set(key, { ref: m.ref, base: m });
  }
  return [...pairs.values()];
}
