import type { Condition, LiveObject } from "./types.js";

// Everything here reads objects as the cluster (or a fixture, or a stranger's PR) hands them over, typed
// only by hope: any field may be null, a string where a map belongs, or a map where a string belongs. The
// rules read through these helpers so that a malformed field reads as absent instead of throwing.

/** Whether a value is a plain map (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string, or `undefined` for anything else. */
export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The map at `object[field]`, or `undefined` when it is absent or not a map. */
export function section(object: unknown, field: string): Record<string, unknown> | undefined {
  if (!isRecord(object)) return undefined;
  const value = object[field];
  return isRecord(value) ? value : undefined;
}

/**
 * A list of conditions as the cluster reports them, keeping only maps with a type: an entry without one
 * says nothing a rule could read, and counting it would make "no conditions yet" look like "some".
 */
export function conditionList(list: unknown): Condition[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter((c): c is Record<string, unknown> => isRecord(c) && typeof c.type === "string")
    .map((c) => ({
      type: asString(c.type),
      status: asString(c.status),
      reason: asString(c.reason),
      message: asString(c.message),
    }));
}

/** `status.conditions`, or none. */
export function conditions(object: LiveObject): Condition[] {
  return conditionList(section(object, "status")?.conditions);
}

/** The condition of a type, if present. */
export function condition(object: LiveObject, type: string): Condition | undefined {
  return conditions(object).find((c) => c.type === type);
}

/** The string at `status[field]`, if it is one. */
export function statusString(object: LiveObject, field: string): string | undefined {
  return asString(section(object, "status")?.[field]);
}

/** A number at `status[field]` (0 when absent, as the apiserver omits zeros). */
export function statusNumber(object: LiveObject, field: string): number {
  const value = section(object, "status")?.[field];
  return typeof value === "number" ? value : 0;
}

/** Whether the controller has not yet seen the latest spec. */
export function generationBehind(object: LiveObject): boolean {
  const generation = section(object, "metadata")?.generation;
  const observed = section(object, "status")?.observedGeneration;
  return typeof generation === "number" && (typeof observed !== "number" || generation > observed);
}

/** `spec.replicas`, defaulting to 1 as the apiserver does. */
export function desiredReplicas(object: LiveObject): number {
  const replicas = section(object, "spec")?.replicas;
  return typeof replicas === "number" ? replicas : 1;
}
