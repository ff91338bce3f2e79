export {
  type ApplyAction,
  type ApplyOptions,
  type ApplyResult,
  applyObjects,
  defaultApplyOptions,
  RECREATE_ANNOTATION,
} from "./apply.js";
export { APPLYSET, applySetId, groupKind, pruneDisabled, SYNC_RECORD, TOOLING } from "./applyset.js";
export { type ClusterClient, connect } from "./connect.js";
export { isImmutableError, isNotFound, ObjectError, type ObjectOperation } from "./errors.js";
export { FIELD_MANAGER, type LiveDiff, liveDiff } from "./live-diff.js";
export { syncSteps, WAVE_ANNOTATIONS, waveOf } from "./order.js";
export { defaultSyncOptions, type SyncOptions, type SyncResult, syncEnvironment } from "./sync.js";
