import { stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, posix } from "node:path";
import { repoPath } from "../config/paths.js";
import type { Environment } from "../config/schema.js";
import { RenderError } from "../errors.js";
import {
  buildObjectSet,
  defaultParseOptions,
  type Manifest,
  type ParsedDocument,
  type ParseOptions,
  parseDocuments,
} from "../manifests/index.js";
import { isChart, renderHelm } from "./helm.js";
import { findKustomization, kustomizationDirs, renderKustomize } from "./kustomize.js";
import { defaultRenderLimits, type RenderLimits } from "./limits.js";
import { renderPlain } from "./plain.js";
import {
  DEFAULT_RENDER_CACHE_BYTES,
  RenderCache,
  type RenderCacheOptions,
  renderKey,
} from "./render-cache.js";
import { hasNetworkIsolation, type Tool, toolIdentity } from "./runner.js";
import { resolveInside } from "./tree.js";

/** The renderer that actually ran (`auto` resolved). */
export type ResolvedRenderer = "plain" | "kustomize" | "helm";

/** An environment's objects at one revision. */
export interface RenderedEnvironment {
  renderer: ResolvedRenderer;
  manifests: Manifest[];
  /** Things a reviewer may want to know that are not errors (ignored files, for example). */
  notices: string[];
}

/** Options for {@link renderEnvironment}. */
export interface RenderOptions {
  limits: RenderLimits;
  parse: ParseOptions;
  /** How many environments one preview renders at once (each a renderer process, and its objects). */
  concurrency: number;
  /** Where renderer output is cached by the content of its inputs; uncached when absent. */
  cache?: RenderCacheOptions;
}

/** Defaults for {@link RenderOptions}: as many renders at once as there are cores. */
export function defaultRenderOptions(): RenderOptions {
  return { limits: defaultRenderLimits(), parse: defaultParseOptions(), concurrency: availableParallelism() };
}

/**
 * {@link defaultRenderOptions} with renderer output cached under `cacheDir/.renders` (beside the tree
 * cache, which leaves it alone), bounded to `maxBytes`.
 */
export function cachedRenderOptions(cacheDir: string, maxBytes = DEFAULT_RENDER_CACHE_BYTES): RenderOptions {
  return { ...defaultRenderOptions(), cache: { dir: join(cacheDir, ".renders"), maxBytes } };
}

/** The environment's path does not exist in this tree (a new environment has nothing at its base). */
export class PathMissingError extends RenderError {
  override name = "PathMissingError";
}

/**
 * Renders one environment of a repository tree into identified objects.
 *
 * @param root absolute path of the repository tree (a temporary checkout)
 * @throws PathMissingError when the environment's path is not in the tree
 * @throws RenderError or ManifestError with a message a user can act on
 */
export async function renderEnvironment(
  root: string,
  env: Environment,
  options: RenderOptions = defaultRenderOptions(),
): Promise<RenderedEnvironment> {
  const realRoot = await resolveInside("/", root);
  const path = repoPath(env.path);
  if (path === null) throw new RenderError(`path "${env.path}" leaves the repository`);
  const dir = join(realRoot, path);
  try {
    if (!(await stat(dir)).isDirectory()) throw new RenderError(`path ${path} is a file, not a directory`);
  } catch (err) {
    if (err instanceof RenderError) throw err;
    throw new PathMissingError(`path ${path || "."} does not exist`);
  }
  await resolveInside(realRoot, dir);
  const renderer = await resolveRenderer(env, dir);
  // One expansion budget for the whole render, whatever the number of files and documents.
  const parse = { ...options.parse, budget: { remaining: options.parse.maxRenderNodes } };
  const started = performance.now();
  const { documents, notices } = await renderDocuments(realRoot, dir, path, renderer, env, {
    ...options,
    parse,
  });
  observer(renderer, (performance.now() - started) / 1000);
  if (renderer !== "plain" && !hasNetworkIsolation()) {
    notices.push(
      `${renderer} ran without a network namespace of its own (this host does not allow unshare -rn)`,
    );
  }
  return { renderer, manifests: buildObjectSet(documents, env.namespace), notices };
}

/** Receives how long each render took (seconds), by renderer. */
export type RenderObserver = (renderer: ResolvedRenderer, seconds: number) => void;

let observer: RenderObserver = () => {};

/**
 * Where render durations go: the metrics in the server's thread, the task's result in a preview worker
 * (whose metrics the server's registry cannot see).
 */
export function observeRenders(fn: RenderObserver): void {
  observer = fn;
}

async function resolveRenderer(env: Environment, dir: string): Promise<ResolvedRenderer> {
  if (env.renderer !== "auto") return env.renderer;
  if (await findKustomization(dir)) return "kustomize";
  if (await isChart(dir)) return "helm";
  return "plain";
}

async function renderDocuments(
  root: string,
  dir: string,
  path: string,
  renderer: ResolvedRenderer,
  env: Environment,
  { limits, parse, cache }: RenderOptions,
): Promise<{ documents: ParsedDocument[]; notices: string[] }> {
  switch (renderer) {
    case "plain":
      return renderPlain(root, dir, limits, parse);
    case "kustomize": {
      if (!(await findKustomization(dir))) throw new RenderError(`${path} has no kustomization.yaml`);
      const output = await cached(
        cache,
        async () => ({
          tool: "kustomize",
          settings: { path, limits },
          root,
          dirs: await kustomizationDirs(root, dir, limits),
          files: [],
        }),
        () => renderKustomize(root, dir, limits),
      );
      return parseDocuments(output, `${path || "."} (kustomize build)`, parse);
    }
    case "helm": {
      if (!(await isChart(dir))) throw new RenderError(`${path} has no Chart.yaml`);
      const valuesFiles = env.helm.valuesFiles.map((f) => {
        const file = repoPath(f, path);
        if (file === null) throw new RenderError(`values file "${f}" leaves the repository`);
        return file;
      });
      const release = {
        releaseName: env.helm.releaseName ?? env.name,
        namespace: env.helm.namespace ?? env.namespace,
        valuesFiles: valuesFiles.map((f) => join(root, f)),
        kubeVersion: env.kubeVersion,
      };
      const output = await cached(
        cache,
        async () => ({
          tool: "helm",
          settings: { path, ...release, valuesFiles, limits },
          root,
          dirs: [path],
          files: valuesFiles,
        }),
        () => renderHelm(root, dir, release, limits),
      );
      return parseHelmOutput(output, path, parse);
    }
  }
}

// A renderer's output from the cache when everything it reads is as before; rendered (and stored) else.
async function cached(
  options: RenderCacheOptions | undefined,
  inputs: () => Promise<{ tool: Tool; settings: unknown; root: string; dirs: string[]; files: string[] }>,
  render: () => Promise<string>,
): Promise<string> {
  if (!options) return render();
  const { tool, ...rest } = await inputs();
  const key = await renderKey({ ...rest, tool: await toolIdentity(tool) });
  if (!key) return render();
  const cache = RenderCache.for(options);
  const hit = await cache.get(key);
  if (hit !== undefined) return hit;
  const output = await render();
  await cache.put(key, output);
  return output;
}

// helm prefixes each template's output with `# Source: <chart>/<path in chart>`; tracing objects back to
// their template lets findings and errors name a file the user can open.
function parseHelmOutput(output: string, chartPath: string, parse: ParseOptions) {
  const result = { documents: [] as ParsedDocument[], notices: [] as string[] };
  const sections = output.split(/^# Source: (.+)$/m);
  const append = (text: string, file: string) => {
    const parsed = parseDocuments(text, file, parse);
    result.documents.push(...parsed.documents);
    result.notices.push(...parsed.notices);
  };
  if (sections[0]!.trim() !== "---" && sections[0]!.trim() !== "")
    append(sections[0]!, `${chartPath} (helm template)`);
  for (let i = 1; i < sections.length; i += 2) {
    const source = sections[i]!.trim();
    const inChart = source.slice(source.indexOf("/") + 1);
    append(sections[i + 1] ?? "", posix.join(chartPath, inChart));
  }
  return result;
}
