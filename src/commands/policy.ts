import { resolve } from "node:path";
import { parseConfig, readConfigFile } from "../config/index.js";
import { checkPolicy, type EnvironmentPolicy } from "../flows/policy-check.js";
import { defaultTreeCacheDir } from "../github/tree-cache.js";
import { extractRef, type Tree } from "../local/git-tree.js";
import { formatRef } from "../manifests/index.js";
import { summarizeFindings } from "../policy/index.js";
import { cachedRenderOptions } from "../render/index.js";
import { type KubeconfigOption, kubeconfigSchemas } from "./cluster-schemas.js";

/** Options of `capstan policy`, after argv parsing. */
export interface PolicyOptions {
  /** A tree from a local git repository at one ref… */
  repo?: { dir: string; ref: string };
  /** …or a directory. */
  dir?: string;
  /** A config file instead of the tree's `.github/capstan.yml`. */
  config?: string;
  environments: string[];
  format: "text" | "json";
  /** A cluster to read the CRDs of custom resources from, as the App reads each environment's. */
  cluster?: KubeconfigOption;
}

/** One finding in `capstan policy --format json`. */
export interface FindingJson {
  rule: string;
  severity: "error" | "warning";
  message: string;
  kind: string;
  namespace: string | null;
  name: string;
  file: string;
  line: number;
  environment: string;
  /** How to fix it. */
  hint: string;
}

/**
 * Runs `capstan policy`: the policy checks of every environment of one tree.
 *
 * @returns the text to print and the exit code: 1 when any error-severity finding exists or an environment
 *   could not be rendered, 0 otherwise
 */
export async function policy(options: PolicyOptions): Promise<{ output: string; exitCode: number }> {
  const config = options.config
    ? await readConfigFile(options.config, (text, file) => parseConfig(text, file))
    : undefined;
  let tree: Tree | undefined;
  try {
    let root: string;
    if (options.repo) {
      tree = await extractRef(options.repo.dir, options.repo.ref);
      root = tree.root;
    } else {
      root = resolve(options.dir!);
    }
    const results = await checkPolicy({
      root,
      config,
      environments: options.environments,
      render: cachedRenderOptions(defaultTreeCacheDir()),
      schemas: kubeconfigSchemas(options.cluster),
    });
    const failed = results.some((r) => r.error || r.policy?.findings.some((f) => f.severity === "error"));
    const output =
      options.format === "json" ? `${JSON.stringify(toJson(results), null, 2)}\n` : toText(results);
    return { output, exitCode: failed ? 1 : 0 };
  } finally {
    await tree?.dispose();
  }
}

/** The machine-readable form: findings, exemptions, notices, and environments that could not be checked. */
export function toJson(results: readonly EnvironmentPolicy[]) {
  return {
    findings: results.flatMap((r) =>
      (r.policy?.findings ?? []).map(
        (f): FindingJson => ({
          rule: f.rule,
          severity: f.severity,
          message: f.message,
          kind: f.ref.kind,
          namespace: f.ref.namespace,
          name: f.ref.name,
          file: f.file,
          line: f.line,
          environment: r.name,
          hint: f.hint,
        }),
      ),
    ),
    exemptions: results.flatMap((r) =>
      (r.policy?.exemptions ?? []).map((e) => ({
        rule: e.rule,
        kind: e.ref.kind,
        namespace: e.ref.namespace,
        name: e.ref.name,
        file: e.file,
        line: e.line,
        environment: r.name,
      })),
    ),
    notices: results.flatMap((r) =>
      (r.policy?.notices ?? []).map((message) => ({ environment: r.name, message })),
    ),
    errors: results.filter((r) => r.error).map((r) => ({ environment: r.name, message: r.error! })),
  };
}

function toText(results: readonly EnvironmentPolicy[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.error) {
      lines.push(`${r.name}: could not be checked`, ...r.error.split("\n").map((l) => `  ${l}`), "");
      continue;
    }
    const p = r.policy!;
    lines.push(`${r.name}: ${summarizeFindings(p.findings)}`);
    for (const f of p.findings)
      lines.push(`  ${f.file}:${f.line}: ${f.severity} ${f.rule}: ${formatRef(f.ref)}: ${f.message}`);
    for (const e of p.exemptions)
      lines.push(`  ${e.file}:${e.line}: exempt ${e.rule}: ${formatRef(e.ref)} (capstan.dev/skip-policies)`);
    for (const n of p.notices) lines.push(`  note: ${n}`);
    for (const [rule, hint] of new Map(p.findings.map((f) => [f.rule, f.hint])))
      lines.push(`  fix ${rule}: ${hint}`);
    lines.push("");
  }
  return `${lines.join("\n").trimEnd()}\n`;
}
