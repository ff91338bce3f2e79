export { type InputClosure, inputClosure, reads } from "./closure.js";
export { type HelmRelease, isChart, renderHelm } from "./helm.js";
export { findKustomization, isRemoteReference, renderKustomize } from "./kustomize.js";
export { defaultRenderLimits, formatBytes, type RenderLimits } from "./limits.js";
export {
  cachedRenderOptions,
  defaultRenderOptions,
  observeRenders,
  PathMissingError,
  type RenderedEnvironment,
  type RenderObserver,
  type RenderOptions,
  type ResolvedRenderer,
  renderEnvironment,
} from "./render.js";
export { DEFAULT_RENDER_CACHE_BYTES, RenderCache, type RenderCacheOptions } from "./render-cache.js";
export { findTool, hasNetworkIsolation, runTool, type Tool } from "./runner.js";
export { isInside, resolveInside, walkTree } from "./tree.js";
export { changedFiles, defaultTreeDiffBudget, type TreeDiffBudget } from "./tree-diff.js";
