export { assessHealth, combineHealth, hasHealth, IGNORE_ANNOTATIONS, isWorse } from "./assess.js";
export {
  type EnvironmentHealth,
  environmentHealth,
  type ObjectHealth,
  settled,
  unhealthyLines,
} from "./environment.js";
export type { Health, HealthOptions, HealthStatus, LiveObject } from "./types.js";
