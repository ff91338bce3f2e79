import { isRecord } from "./record.js";
import { isSecretLike, LAST_APPLIED, SECRET_SHOWN_FIELDS } from "./secret.js";
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
 * When either side is Secret-like (any kind spelled `Secret`, any apiVersion) both sides are masked,
 * whatever the other claims to be. Every field but `apiVersion`, `kind`, `metadata`, `type` and
 * `immutable` is masked, so a misspelled `stringdata:` is masked too; a map keeps its keys, anything else
 * is replaced whole. Pairs without a Secret are returned as they are; the inputs are not modified.
 */
export function maskSecretPair(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
): [KubeObject | undefined, KubeObject | undefined] {
  if (!isSecretLike(before) && !isSecretLike(after)) return [before, after];
  const changed = (field: string, key: string) => {
    const old = valuesOf(before, field);
    const now = valuesOf(after, field);
    return (
      Object.hasOwn(old, key) &&
      Object.hasOwn(now, key) &&
      JSON.stringify(old[key]) !== JSON.stringify(now[key])
    );
  };
  return [
    before && maskWith(before, (field, key) => (changed(field, key) ? "before" : "")),
    after && maskWith(after, (field, key) => (changed(field, key) ? "after" : "")),
  ];
}

/** Masks one Secret on its own (for an added or removed object, or a log line). */
export function maskSecret(object: KubeObject): KubeObject {
  return maskSecretPair(object, undefined)[0]!;
}

// The values a key is compared by: `data` and `stringData` as one map (one side may be normalized and the
// other not), any other field on its own.
function valuesOf(object: KubeObject | undefined, field: string): Record<string, unknown> {
  const map = (name: string) => (isRecord(object?.[name]) ? (object![name] as Record<string, unknown>) : {});
  return field === "data" || field === "stringData" ? { ...map("data"), ...map("stringData") } : map(field);
}

function maskWith(object: KubeObject, tag: (field: string, key: string) => string): KubeObject {
  const masked: KubeObject = { ...object };
  const annotations = isRecord(object.metadata) ? object.metadata.annotations : undefined;
  if (isRecord(annotations) && Object.hasOwn(annotations, LAST_APPLIED)) {
    masked.metadata = { ...object.metadata, annotations: { ...annotations, [LAST_APPLIED]: MASK } };
  }
  for (const field of Object.keys(object)) {
    if (SECRET_SHOWN_FIELDS.has(field)) continue;
    const values = object[field];
    // Anything that is not a map of keys is replaced whole: its shape could carry a value.
    if (!isRecord(values)) {
      masked[field] = MASK;
      continue;
    }
    masked[field] = Object.fromEntries(
      Object.keys(values).map((key) => [key, tag(field, key) ? `${MASK} (${tag(field, key)})` : MASK]),
    );
  }
  return masked;
}
