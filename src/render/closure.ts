import { realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { repoPath } from "../config/paths.js";
import type { Environment } from "../config/schema.js";
import { isChart } from "./helm.js";
import { findKustomization, kustomizationReach } from "./kustomize.js";
import type { RenderLimits } from "./limits.js";
import { resolveInside } from "./tree.js";

/**
 * The files an environment's render can read, as repository paths: directories (everything below them
 * counts) and single files.
 */
export interface InputClosure {
  dirs: string[];
  files: string[];
}

/**
 * The input closure of an environment in one tree:
 * - plain: its directory;
 * - helm: the chart's directory (vendored dependencies live under its `charts/`) and the values files;
 * - kustomize: every kustomization directory the build reads, transitively, by its real path and by
 *   the path it was reached by (see {@link kustomizationReach}).
 *
 * A missing path is its own closure, so adding it later is a change. Whatever cannot be known for sure
 * gives `undefined`, and the caller renders the environment: a wrong "unaffected" would be a silent miss.
 */
export async function inputClosure(
  root: string,
  env: Environment,
  limits: RenderLimits,
): Promise<InputClosure | undefined> {
  const path = repoPath(env.path);
  if (path === null) return undefined;
  root = await realpath(root);
  const dir = join(root, path);
  const info = await stat(dir).catch(() => undefined);
  if (!info) return { dirs: [path], files: [] };
  if (!info.isDirectory()) return undefined;
  try {
    await resolveInside(root, dir);
    const kustomization = await findKustomization(dir);
    const renderer =
      env.renderer !== "auto"
        ? env.renderer
        : kustomization
          ? "kustomize"
          : (await isChart(dir))
            ? "helm"
            : "plain";
    switch (renderer) {
      case "plain":
        return { dirs: [path], files: [] };
      case "helm": {
        const files = env.helm.valuesFiles.map((f) => repoPath(f, path));
        if (files.some((f) => f === null)) return undefined;
        return { dirs: [path], files: files as string[] };
      }
      case "kustomize":
        if (!kustomization) return undefined;
        return { dirs: await kustomizationReach(root, dir, limits), files: [] };
    }
  } catch {
    // A render that would be refused (a remote base, a link out of the repository) is rendered, and
    // says why.
    return undefined;
  }
}

/** Whether a change to any of `changed` (repository paths) can change what the closure renders. */
export function reads(closure: InputClosure, changed: ReadonlySet<string>): boolean {
  const files = new Set(closure.files);
  const dirs = closure.dirs.map((d) => (d === "." || d === "" ? "" : `${d}/`));
  for (const path of changed) {
    if (files.has(path)) return true;
    if (dirs.some((d) => d === "" || path === d.slice(0, -1) || path.startsWith(d))) return true;
  }
  return false;
}
