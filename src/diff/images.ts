import type { KubeObject } from "../manifests/index.js";
import { containersOf, podSpecOf } from "../manifests/index.js";

/** A container whose image differs between base and head. */
export interface ImageChange {
  container: string;
  /** `undefined` when the container is new. */
  before?: string;
  /** `undefined` when the container was removed. */
  after?: string;
}

/** The image changes of a workload, container by container, in the order of the head. */
export function imageChanges(before: KubeObject | undefined, after: KubeObject | undefined): ImageChange[] {
  const old = imagesOf(before);
  const now = imagesOf(after);
  const changes: ImageChange[] = [];
  for (const [container, image] of now) {
    if (old.get(container) !== image) changes.push({ container, before: old.get(container), after: image });
  }
  for (const [container, image] of old) {
    if (!now.has(container)) changes.push({ container, before: image });
  }
  return changes;
}

function imagesOf(object: KubeObject | undefined): Map<string, string> {
  const images = new Map<string, string>();
  const podSpec = object && podSpecOf(object);
  if (!podSpec) return images;
  for (const c of containersOf(podSpec)) {
    if (typeof c.name === "string" && typeof c.image === "string") images.set(c.name, c.image);
  }
  return images;
}

/**
 * `nginx:1.25 → 1.27` when only the tag or digest moved, `a:1 → b:2` otherwise, `+ nginx:1.27` for a new
 * container and `− nginx:1.25` for a removed one.
 */
export function formatImageChange(change: ImageChange): string {
  if (change.before === undefined) return `+ ${change.after}`;
  if (change.after === undefined) return `− ${change.before}`;
  const a = splitImage(change.before);
  const b = splitImage(change.after);
  if (a.repository === b.repository) return `${change.before} → ${b.version || "latest"}`;
  return `${change.before} → ${change.after}`;
}

function splitImage(image: string): { repository: string; version: string } {
  const at = image.indexOf("@");
  if (at !== -1) return { repository: image.slice(0, at), version: image.slice(at + 1) };
  const colon = image.lastIndexOf(":");
  // A colon before the last slash belongs to a registry port (registry:5000/app), not to a tag.
  if (colon === -1 || colon < image.lastIndexOf("/")) return { repository: image, version: "" };
  return { repository: image.slice(0, colon), version: image.slice(colon + 1) };
}
