import { formatRef, type ObjectRef, refKey } from "../manifests/index.js";
import { assessHealth, combineHealth } from "./assess.js";
import type { HealthOptions, HealthStatus, LiveObject } from "./types.js";

/** One object's verdict within an environment. */
export interface ObjectHealth {
  ref: ObjectRef;
  status: HealthStatus;
  message?: string;
}

/** An environment's verdict: the worst of its objects', and each object's. */
export interface EnvironmentHealth {
  status: HealthStatus;
  objects: ObjectHealth[];
}

/**
 * The health of the objects an environment expects, given what the cluster holds (by `refKey`). An
 * expected object that is not there is Missing; objects whose kind has no health are left out.
 */
export function environmentHealth(
  expected: readonly ObjectRef[],
  live: ReadonlyMap<string, LiveObject>,
  options: HealthOptions = {},
): EnvironmentHealth {
  const objects: ObjectHealth[] = [];
  for (const ref of expected) {
    const object = live.get(refKey(ref));
    if (!object) {
      objects.push({ ref, status: "Missing", message: "not found in the cluster" });
      continue;
    }
    const verdict = assessHealth(object, options);
    if (verdict) objects.push({ ref, ...verdict });
  }
  return { status: combineHealth(objects.map((o) => o.status)), objects };
}

/** Whether a verdict is final for a wait: Healthy or Suspended, or (failing fast) Degraded. */
export function settled(status: HealthStatus, failFast: boolean): boolean {
  return status === "Healthy" || status === "Suspended" || (failFast && status === "Degraded");
}

/** The objects that are not Healthy, one line each: `Deployment/web/api: Degraded (reason)`. */
export function unhealthyLines(health: EnvironmentHealth): string[] {
  return health.objects
    .filter((o) => o.status !== "Healthy")
    .map((o) => `${formatRef(o.ref)}: ${o.status}${o.message ? ` (${o.message})` : ""}`);
}
