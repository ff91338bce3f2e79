export { type ChangeAction, diffManifests, type EnvironmentDiff, type ObjectChange } from "./diff.js";
export { deepEqual } from "./equal.js";
export type { LabelChurn } from "./generated.js";
export { formatImageChange, type ImageChange, imageChanges } from "./images.js";
export { type ObjectPair, pairObjects } from "./pair.js";
export { unifiedDiff } from "./unified.js";
export { toYaml } from "./yaml-text.js";
