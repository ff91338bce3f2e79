import { isRecord } from "./record.js";
import { isSecret, LAST_APPLIED } from "./secret.js";
import type { KubeObject } from "./types.js";

/** What a masked Secret value reads as. */
export const MASK = "***";

/**
 * Masks the values of a Secret's before and after versions together, so a reviewer still sees which keys
 * were added, removed or changed, but never a value (Flux's convention):
 * - a key with the same value on both sides reads `***`;
 * - a changed key reads `*** (before)` and `*** (after)`;
 * - a key on one side only reads `***`.
 *
 * When either side is a Secret both sides are masked, whatever the other claims to be. Expects normalized
 * objects (`stringData` merged into `data`) but masks `stringData` too. Pairs without a Secret are returned
 * as they are; the inputs are not modified.
 */
export function maskSecretPair(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
): [KubeObject | undefined, KubeObject | undefined] {
  if (!isSecret(before) && !isSecret(after)) return [before, after];
  const oldData = dataOf(before);
  const newData = dataOf(after);
  const changed = (key: string) =>
    Object.hasOwn(oldData, key) && Object.hasOwn(newData, key) && oldData[key] !== newData[key];
  return [
    before && maskWith(before, (key) => (changed(key) ? "before" : "")),
    after && maskWith(after, (key) => (changed(key) ? "after" : "")),
  ];
}

/** Masks one Secret on its own (for an added or removed object, or a log line). */
export function maskSecret(object: KubeObject): KubeObject {
  return maskSecretPair(object, undefined)[0]!;
}

function dataOf(object: KubeObject | undefined): Record<string, unknown> {
  if (!object) return {};
  return {
    ...(isRecord(object.data) ? object.data : {}),
    ...(isRecord(object.stringData) ? object.stringData : {}),
  };
}

function maskWith(object: KubeObject, tag: (key: string) => string): KubeObject {
  const masked: KubeObject = { ...object };
  const annotations = isRecord(object.metadata) ? object.metadata.annotations : undefined;
  if (isRecord(annotations) && Object.hasOwn(annotations, LAST_APPLIED)) {
    masked.metadata = { ...object.metadata, annotations: { ...annotations, [LAST_APPLIED]: MASK } };
  }
  for (const field of ["data", "stringData"] as const) {
    const values = object[field];
    if (values === undefined) continue;
    // Anything that is not a map of keys is replaced whole: its shape could carry a value.
    if (!isRecord(values)) {
      masked[field] = MASK;
      continue;
    }
    masked[field] = Object.fromEntries(
      Object.keys(values).map((key) => [key, tag(key) ? `${MASK} (${tag(key)})` : MASK]),
    );
  }
  return masked;
}
