import { createHash } from "node:crypto";
import type { KubeObject } from "../manifests/index.js";

/**
 * What Capstan last applied, kept on the environment's parent: a short hash of each object as it was sent,
 * by `refKey`. An object whose desired state hashes the same, and whose live fields still hold every value
 * Capstan sends, would not change if applied again, so a no-op sync needs no request per object.
 */
export type AppliedRecord = Map<string, string>;

/** The parent's data key holding the record. */
export const APPLIED_KEY = "applied";

/** Above this, the record is not kept (ConfigMaps hold 1 MiB) and every object is dry-run instead. */
export const MAX_RECORD_BYTES = 512 * 1024;

/** The hash of an object as it is sent to the apiserver. */
export function appliedHash(object: KubeObject): string {
  return createHash("sha256").update(stableJson(object)).digest("base64url").slice(0, 16);
}

/** The record as the parent's data value: one `hash refKey` line each. */
export function formatRecord(record: AppliedRecord): string | undefined {
  const text = [...record].map(([key, hash]) => `${hash} ${key}`).join("\n");
  return text.length > MAX_RECORD_BYTES ? undefined : text;
}

/** Reads a record written by {@link formatRecord}; anything malformed is simply not in it. */
export function parseRecord(text: string | undefined): AppliedRecord {
  const record: AppliedRecord = new Map();
  for (const line of (text ?? "").split("\n")) {
    const space = line.indexOf(" ");
    if (space === 16) record.set(line.slice(space + 1), line.slice(0, space));
  }
  return record;
}

/**
 * Whether every value of `desired` is in `live`: objects field by field, lists element by element with
 * the same length. Fields only `live` has (defaults, status, other managers' fields) do not matter.
 */
export function holds(live: unknown, desired: unknown): boolean {
  if (desired === live) return true;
  if (typeof desired !== "object" || desired === null || typeof live !== "object" || live === null)
    return false;
  if (Array.isArray(desired)) {
    if (!Array.isArray(live) || live.length !== desired.length) return false;
    return desired.every((item, i) => holds(live[i], item));
  }
  if (Array.isArray(live)) return false;
  const l = live as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(
    // A null field is one the object leaves unset (kustomize writes `creationTimestamp: null`).
    ([key, value]) => (value === null ? l[key] === undefined || l[key] === null : holds(l[key], value)),
  );
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
