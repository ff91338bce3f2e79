export {
  type ApplyAction,
  type ApplyOptions,
  type ApplyResult,
  applyObjects,
  defaultApplyOptions,
  RECREATE_ANNOTATION,
} from "./apply.js";
export {
  APPLYSET,
  applySetId,
  cascades,
  groupKind,
  OWNER,
  type Owner,
  PRUNE_ANNOTATION,
  pruneDisabled,
  SYNC_RECORD,
  TOOLING,
} from "./applyset.js";
export { type ClusterClient, clientFor, connect, connectKubeconfig } from "./connect.js";
export { type CrdSchemaOptions, CrdSchemaSource, defaultCrdSchemaOptions } from "./crd-schemas.js";
export { checkDrift, type DriftCache, type DriftCheck } from "./drift-check.js";
export {
  DRIFT_FIELD_MANAGER,
  readDriftState,
  sameState,
  writeDriftState,
} from "./drift-state.js";
export {
  asClusterError,
  isImmutableError,
  isNotFound,
  isUnreachable,
  ObjectError,
  type ObjectOperation,
} from "./errors.js";
export { FIELD_MANAGER } from "./field-manager.js";
export { defaultHolder, type LeaseOptions, leaseHolder, withLease } from "./lease.js";
export { type LiveDiff, liveDiff } from "./live-diff.js";
export { type EnvironmentSet, listMembers, type Member, readEnvironmentSet } from "./members.js";
export { namespaceOwners } from "./namespace-owners.js";
export { collectionPath, ObjectClient, type ResourceInfo } from "./object-client.js";
export { syncSteps, WAVE_ANNOTATIONS, waveOf } from "./order.js";
export { checkParent, environmentApplySetId, parentName, syncedRevision } from "./parent.js";
export { plannedPrunes } from "./prune.js";
export { resolveScopes } from "./scope.js";
export {
  defaultSyncOptions,
  ensureNamespace,
  type SyncOptions,
  type SyncResult,
  syncEnvironment,
} from "./sync.js";
export { type HealthWait, type WaitOptions, waitForHealth } from "./wait.js";
