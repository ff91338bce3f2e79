export { isSecret, MASK, maskSecret, maskSecretPair } from "./mask.js";
export { normalize } from "./normalize.js";
export { buildObjectSet } from "./object-set.js";
export {
  defaultParseOptions,
  isRecord,
  type ParseOptions,
  type ParseResult,
  parseDocuments,
} from "./parse.js";
export { type Container, containersOf, podSpecOf } from "./pod-spec.js";
export { compareRefs, formatRef, groupOf, type ObjectRef, refKey } from "./ref.js";
export { clusterScopedCustomKinds, isClusterScoped } from "./scope.js";
export type { KubeMetadata, KubeObject, Manifest, ParsedDocument } from "./types.js";
