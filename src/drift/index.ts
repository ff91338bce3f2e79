export { changedPaths, formatPath, toPointer, valueAt } from "./compare.js";
export {
  afterHeal,
  dayOf,
  type HealContext,
  type HealDecision,
  healDecision,
  healToday,
  MAX_HEAL_BACKOFF_MS,
} from "./heal.js";
export {
  type FieldWriter,
  formatWriter,
  managedEntries,
  type PathSegment,
  writersOf,
} from "./managed-fields.js";
export {
  DRIFT_ANNOTATION,
  type DriftedField,
  type DriftFinding,
  type DriftIgnore,
  desiredForDrift,
  hpaTargets,
  isIgnored,
  objectDrift,
  TRUSTED_MANAGERS,
} from "./object-drift.js";
export {
  type DriftEdge,
  type DriftState,
  type DriftStep,
  findingsHash,
  type HealRecord,
  nextDriftState,
} from "./state.js";
