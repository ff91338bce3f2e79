export { type HelmRelease, isChart, renderHelm } from "./helm.js";
export { findKustomization, isRemoteReference, renderKustomize } from "./kustomize.js";
export { defaultRenderLimits, formatBytes, type RenderLimits } from "./limits.js";
export {
  defaultRenderOptions,
  PathMissingError,
  type RenderedEnvironment,
  type RenderOptions,
  type ResolvedRenderer,
  renderEnvironment,
} from "./render.js";
export { findTool, hasNetworkIsolation, runTool, type Tool } from "./runner.js";
export { isInside, resolveInside, walkTree } from "./tree.js";
