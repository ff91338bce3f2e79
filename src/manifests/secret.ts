import { groupOf } from "./ref.js";
import type { KubeObject } from "./types.js";

/** kubectl's annotation holding the whole last-applied object, Secret values included. */
export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * Whether an object is a core Secret, whose values Capstan never shows. Any version of the core group
 * counts, since identity ignores the version: a `v1` base paired with a `v1beta1` head is still a Secret.
 */
export function isSecret(object: KubeObject | undefined): boolean {
  return (
    object?.kind === "Secret" && typeof object.apiVersion === "string" && groupOf(object.apiVersion) === ""
  );
}
