import { isRecord } from "./parse.js";
import type { KubeObject } from "./types.js";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** What a masked Secret value reads as. Exported so tests and reports can refer to it. */
export const MASK = "***";

/** Whether an object is a core Secret, whose values Capstan never shows. */
export function isSecret(object: KubeObject | undefined): boolean {
  return object?.kind === "Secret" && object.apiVersion === "v1";
}

/**
 * Masks the values of a Secret's before and after versions together, so a reviewer still sees which keys
 * were added, removed or changed, but never a value (Flux's convention):
 * - a key with the same value on both sides reads `***`;
 * - a changed key reads `*** (before)` and `*** (after)`;
 * - a key on one side only reads `***`.
 *
 * Expects normalized objects (`stringData` already merged into `data`). Objects that are not Secrets are
 * returned as they are; the inputs are not modified.
 */
export function maskSecretPair(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
): [KubeObject | undefined, KubeObject | undefined] {
  if (!isSecret(before) && !isSecret(after)) return [before, after];
  const oldData = dataOf(before);
  const newData = dataOf(after);
  return [
    before &&
      maskWith(before, oldData, (key, value) => (key in newData && newData[key] !== value ? "before" : "")),
    after &&
      maskWith(after, newData, (key, value) => (key in oldData && oldData[key] !== value ? "after" : "")),
  ];
}

/** Masks one Secret on its own (for an added or removed object, or a log line). */
export function maskSecret(object: KubeObject): KubeObject {
  return maskSecretPair(object, undefined)[0]!;
}

function dataOf(object: KubeObject | undefined): Record<string, unknown> {
  if (!isSecret(object)) return {};
  return {
    ...(isRecord(object!.data) ? object!.data : {}),
    ...(isRecord(object!.stringData) ? object!.stringData : {}),
  };
}

function maskWith(
  object: KubeObject,
  data: Record<string, unknown>,
  side: (key: string, value: unknown) => string,
): KubeObject {
  if (!isSecret(object)) return object;
  const masked: KubeObject = { ...object };
  // kubectl's last-applied annotation holds the whole object, values included.
  const annotations = object.metadata.annotations;
  if (annotations && LAST_APPLIED in annotations) {
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
      Object.keys(values).map((key) => {
        const tag = side(key, data[key]);
        return [key, tag ? `${MASK} (${tag})` : MASK];
      }),
    );
  }
  return masked;
}
