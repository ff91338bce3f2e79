export { assessHealth, combineHealth, IGNORE_ANNOTATIONS, isWorse } from "./assess.js";
export type { Health, HealthStatus, LiveObject } from "./types.js";
