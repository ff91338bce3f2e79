export { type ClusterClient, connect } from "./connect.js";
export { isImmutableError, isNotFound, ObjectError, type ObjectOperation } from "./errors.js";
export { FIELD_MANAGER, type LiveDiff, liveDiff } from "./live-diff.js";
