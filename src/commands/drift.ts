import { resolve } from "node:path";
import { asClusterError, checkDrift, connectKubeconfig, readEnvironmentSet } from "../cluster/index.js";
import { parseConfig, readConfigFile } from "../config/index.js";
import { type DriftFinding, formatWriter } from "../drift/index.js";
import { ConfigError, UsageError } from "../errors.js";
import { selectEnvironments } from "../flows/preview.js";
import { readTreeConfig } from "../flows/tree-config.js";
import { defaultTreeCacheDir } from "../github/tree-cache.js";
import { extractRef, type Tree } from "../local/git-tree.js";
import { formatRef } from "../manifests/index.js";
import { cachedRenderOptions, renderEnvironment } from "../render/index.js";

/** Options of `capstan drift`, after argv parsing. */
export interface DriftCommandOptions {
  /** A local git repository: the tree is taken at the revision the environment last synced… */
  repo?: string;
  /** …or a directory that holds that revision. */
  dir?: string;
  config?: string;
  environment: string;
  kubeconfig: string;
  context?: string;
  format: "text" | "json";
}

const SHA = /^[0-9a-f]{40}$/;

/**
 * Runs `capstan drift`: compares an environment's live objects with the revision it last synced and
 * prints what differs, with the tool that last wrote each field.
 *
 * @returns the text and exit code: 0 without drift (foreign additions alone are information), 1 with
 */
export async function drift(options: DriftCommandOptions): Promise<{ output: string; exitCode: number }> {
  const cluster = connectKubeconfig(options.kubeconfig, options.context);
  let tree: Tree | undefined;
  try {
    let root: string;
    let config = options.config
      ? await readConfigFile(options.config, (text, file) => parseConfig(text, file))
      : undefined;
    let revision: string | undefined;
    if (options.repo) {
      // The environment's namespace is in the config; the parent can be found by name without it.
      const set = await readEnvironmentSet(cluster, options.environment);
      revision = set.revision;
      if (!revision || !SHA.test(revision))
        throw new UsageError(
          `environment ${options.environment} was last synced from ${revision ? `"${revision}"` : "nothing recorded"}, not a commit: pass --dir with what was synced`,
        );
      tree = await extractRef(options.repo, revision);
      root = tree.root;
    } else {
      root = resolve(options.dir!);
    }
    config ??= await readTreeConfig(root);
    if (!config)
      throw new ConfigError(".github/capstan.yml", [
        { line: 1, path: "", message: "does not exist; add one or pass --config" },
      ]);
    const [env] = selectEnvironments(config, [options.environment]);
    const { manifests } = await renderEnvironment(root, env!, cachedRenderOptions(defaultTreeCacheDir()));
    const check = await checkDrift(cluster, manifests, {
      name: env!.name,
      namespace: env!.namespace,
      ignore: env!.drift.ignore,
    });
    const drifted = check.findings.some((f) => f.change !== "foreign-additions");
    const output =
      options.format === "json"
        ? `${JSON.stringify(
            {
              environment: env!.name,
              comparedWith: revision ?? `directory ${root}`,
              drifted,
              findings: check.findings,
              errors: check.errors.map((e) => e.message),
              requests: check.requests,
            },
            null,
            2,
          )}\n`
        : driftText(env!.name, revision ?? `directory ${root}`, check.findings, check.errors);
    return { output, exitCode: drifted || check.errors.length > 0 ? 1 : 0 };
  } catch (err) {
    throw asClusterError(err, cluster.name) ?? err;
  } finally {
    await tree?.dispose();
  }
}

/** The findings as lines a person reads: one per object, then one per field with its last writer. */
export function driftText(
  environment: string,
  comparedWith: string,
  findings: readonly DriftFinding[],
  errors: readonly Error[],
): string {
  const lines = [`environment ${environment}, compared with ${comparedWith}:`];
  if (findings.length === 0 && errors.length === 0) lines.push("  no drift");
  for (const f of findings) {
    lines.push(`  ${f.change} ${formatRef(f.ref)}`);
    if (f.change === "modified" || f.change === "foreign-additions")
      for (const field of f.fields)
        lines.push(
          `    ${field.path}${field.writer ? `  (last written by ${formatWriter(field.writer)})` : ""}`,
        );
  }
  for (const e of errors) lines.push(`  not checked: ${e.message}`);
  lines.push("", "Writers are tools as managedFields records them, not people; the audit log names people.");
  return `${lines.join("\n")}\n`;
}
