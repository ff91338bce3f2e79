import { resolve } from "node:path";
import { parseConfig, readConfigFile } from "../config/index.js";
import { type PreviewResult, previewEnvironments } from "../flows/preview.js";
import { defaultTreeCacheDir } from "../github/tree-cache.js";
import { extractRef, type Tree } from "../local/git-tree.js";
import { cachedRenderOptions } from "../render/index.js";
import { type EnvironmentReport, renderReport } from "../report/index.js";
import { type KubeconfigOption, kubeconfigSchemas } from "./cluster-schemas.js";

/** A pull request on GitHub: `OWNER/REPO#N`. */
export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

/** Options of `capstan diff`, after argv parsing. */
export interface DiffOptions {
  /** Trees from a local git repository at two refs… */
  repo?: { dir: string; base: string; head: string };
  /** …or two directories. */
  dirs?: { base: string; head: string };
  /** …or a pull request on GitHub, read with `GITHUB_TOKEN`. */
  pr?: PullRequestRef;
  /** With `pr`: post or update the sticky comment and the checks, as the App would. */
  comment?: boolean;
  /** A config file used for both sides instead of the head's `.github/capstan.yml`. */
  config?: string;
  environments: string[];
  format: "markdown" | "json";
  /** A cluster to read the CRDs of custom resources from, as the App reads each environment's. */
  cluster?: KubeconfigOption;
}

/** The JSON form of `capstan diff --format json`. */
export interface DiffJson {
  environments: Array<{
    name: string;
    changes: Array<{
      action: string;
      apiVersion: string;
      kind: string;
      namespace: string | null;
      name: string;
    }>;
    unchanged: number;
    /** Present when the environment could not be rendered. */
    error?: string;
    /** True when nothing it reads changed, so it was not rendered (`changes` is then empty). */
    unaffected?: true;
  }>;
}

/**
 * Runs `capstan diff`: what merging head into base changes, per environment.
 *
 * @returns the text to print and the exit code: 0, or 1 when an environment could not be rendered
 */
export async function diff(options: DiffOptions): Promise<{ output: string; exitCode: number }> {
  const config = options.config
    ? await readConfigFile(options.config, (text, file) => parseConfig(text, file))
    : undefined;
  const trees: Tree[] = [];
  try {
    let baseRoot: string;
    let headRoot: string;
    let subtitle: string;
    if (options.repo) {
      const base = await extractRef(options.repo.dir, options.repo.base);
      trees.push(base);
      const head = await extractRef(options.repo.dir, options.repo.head);
      trees.push(head);
      [baseRoot, headRoot] = [base.root, head.root];
      subtitle = `Comparing \`${options.repo.base}\` (${base.sha.slice(0, 7)}) → \`${options.repo.head}\` (${head.sha.slice(0, 7)})`;
    } else {
      [baseRoot, headRoot] = [resolve(options.dirs!.base), resolve(options.dirs!.head)];
      subtitle = `Comparing \`${options.dirs!.base}\` → \`${options.dirs!.head}\``;
    }
    const { environments: reports, removedEnvironments } = await previewEnvironments({
      baseRoot,
      headRoot,
      config,
      environments: options.environments,
      freeze: { now: new Date() },
      schemas: kubeconfigSchemas(options.cluster),
      render: cachedRenderOptions(defaultTreeCacheDir()),
    });
    return formatDiff({ environments: reports, removedEnvironments }, subtitle, options.format);
  } finally {
    await Promise.all(trees.map((t) => t.dispose()));
  }
}

/**
 * A preview's result as `capstan diff` prints it, with its exit code: 0, or 1 when an environment could
 * not be rendered.
 */
export function formatDiff(
  result: PreviewResult,
  subtitle: string,
  format: DiffOptions["format"],
): { output: string; exitCode: number } {
  const { environments, removedEnvironments } = result;
  const exitCode = environments.some((r) => r.error) ? 1 : 0;
  const output =
    format === "json"
      ? `${JSON.stringify(toJson(environments), null, 2)}\n`
      : `${renderReport({ environments, subtitle, removedEnvironments }).join("\n\n---\n\n")}\n`;
  return { output, exitCode };
}

/** The machine-readable result: identities and actions only, never object contents. */
export function toJson(reports: readonly EnvironmentReport[]): DiffJson {
  return {
    environments: reports.map((r) => ({
      name: r.name,
      changes: (r.diff?.changes ?? []).map((c) => ({
        action: c.action,
        apiVersion: c.apiVersion,
        kind: c.ref.kind,
        namespace: c.ref.namespace,
        name: c.ref.name,
      })),
      unchanged: r.diff?.unchanged ?? 0,
      ...(r.error ? { error: r.error } : {}),
      ...(r.unaffected ? { unaffected: true as const } : {}),
    })),
  };
}
