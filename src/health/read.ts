import type { Condition, LiveObject } from "./types.js";

/** `status.conditions`, or none. */
export function conditions(object: LiveObject): Condition[] {
  const list = object.status?.conditions;
  return Array.isArray(list) ? (list as Condition[]) : [];
}

/** The condition of a type, if present. */
export function condition(object: LiveObject, type: string): Condition | undefined {
  return conditions(object).find((c) => c.type === type);
}

/** A number at `status[field]` (0 when absent, as the apiserver omits zeros). */
export function statusNumber(object: LiveObject, field: string): number {
  const value = object.status?.[field];
  return typeof value === "number" ? value : 0;
}

/** Whether the controller has not yet seen the latest spec. */
export function generationBehind(object: LiveObject): boolean {
  const generation = object.metadata?.generation;
  const observed = object.status?.observedGeneration;
  return typeof generation === "number" && (typeof observed !== "number" || generation > observed);
}

/** `spec.replicas`, defaulting to 1 as the apiserver does. */
export function desiredReplicas(object: LiveObject): number {
  const replicas = object.spec?.replicas;
  return typeof replicas === "number" ? replicas : 1;
}
