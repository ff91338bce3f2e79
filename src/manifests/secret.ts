import { groupOf } from "./ref.js";
import type { KubeObject } from "./types.js";

/** kubectl's annotation holding the whole last-applied object, Secret values included. */
export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** The fields of a Secret-like object that are shown as they are; every other field is masked. */
export const SECRET_SHOWN_FIELDS: ReadonlySet<string> = new Set([
  "apiVersion",
  "kind",
  "metadata",
  "type",
  "immutable",
]);

/**
 * Whether an object's values are masked: any kind spelled `Secret` in any case, under any apiVersion. A
 * `kind: secret` or `apiVersion: core/v1` is refused by the apiserver, but only after the preview has
 * been posted, so it must be masked like the real thing.
 */
export function isSecretLike(object: { kind?: unknown } | undefined): boolean {
  return typeof object?.kind === "string" && object.kind.toLowerCase() === "secret";
}

/**
 * Whether an object is a core Secret, whose values Capstan never shows. Any version of the core group
 * counts, since identity ignores the version: a `v1` base paired with a `v1beta1` head is still a Secret.
 */
export function isSecret(object: KubeObject | undefined): boolean {
  return (
    object?.kind === "Secret" && typeof object.apiVersion === "string" && groupOf(object.apiVersion) === ""
  );
}
