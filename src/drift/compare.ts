// Where a live object differs from what applying the synced revision would make of it. Both sides come
// from the apiserver (the live object, and a server-side apply dry run of the desired one), so defaults,
// CRD defaults and webhook-injected fields are on both and only real differences remain.
import { isRecord } from "../manifests/index.js";
import type { PathSegment } from "./managed-fields.js";

// What the server sets on every write and no one reviews.
const SERVER_SET: ReadonlyArray<readonly PathSegment[]> = [
  ["status"],
  ["metadata", "managedFields"],
  ["metadata", "resourceVersion"],
  ["metadata", "generation"],
  ["metadata", "creationTimestamp"],
  ["metadata", "uid"],
  ["metadata", "selfLink"],
];

/**
 * The paths at which `live` and `applied` differ: leaves, or the whole subtree where one side lacks it.
 * Server-set metadata and `status` are not compared.
 */
export function changedPaths(live: unknown, applied: unknown): PathSegment[][] {
  const out: PathSegment[][] = [];
  walk(live, applied, [], out);
  return out;
}

function walk(a: unknown, b: unknown, path: PathSegment[], out: PathSegment[][]): void {
  if (SERVER_SET.some((p) => p.length === path.length && p.every((s, i) => s === path[i]))) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      out.push(path);
      return;
    }
    for (let i = 0; i < a.length; i++) walk(a[i], b[i], [...path, i], out);
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)]))
      walk(a[key], b[key], [...path, key], out);
    return;
  }
  if (a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b))) return;
  out.push(path);
}

/** The value at a path, or `undefined`. */
export function valueAt(object: unknown, path: readonly PathSegment[]): unknown {
  let node = object;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === "number") node = node[segment];
    else if (isRecord(node) && typeof segment === "string") node = node[segment];
    else return undefined;
  }
  return node;
}

/**
 * A path as people read it: `spec.template.spec.containers[name=web].image`, naming a list item by its
 * `name` (or `containerPort`, `port`, `type`) where it has one, by position otherwise.
 */
export function formatPath(object: unknown, path: readonly PathSegment[]): string {
  let out = "";
  let node = object;
  for (const segment of path) {
    if (typeof segment === "number") {
      const item = Array.isArray(node) ? node[segment] : undefined;
      const key = isRecord(item)
        ? ["name", "containerPort", "port", "type"].find((k) => k in item)
        : undefined;
      out += key ? `[${key}=${String((item as Record<string, unknown>)[key])}]` : `[${segment}]`;
      node = item;
    } else {
      out += /^[A-Za-z0-9_-]+$/.test(segment)
        ? `${out ? "." : ""}${segment}`
        : `[${JSON.stringify(segment)}]`;
      node = isRecord(node) ? node[segment] : undefined;
    }
  }
  return out || "(the object)";
}

/** A path as an RFC 6901 JSON pointer, for matching `drift.ignore` rules. */
export function toPointer(path: readonly PathSegment[]): string {
  return path.map((s) => `/${String(s).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}
