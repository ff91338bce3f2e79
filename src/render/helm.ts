import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { RenderError } from "../errors.js";
import type { RenderLimits } from "./limits.js";
import { allValuesIn, secretValuesIn } from "./redact.js";
import { runTool } from "./runner.js";
import { displayPath, resolveInside, walkTree } from "./tree.js";

/** What `helm template` needs besides the chart directory. */
export interface HelmRelease {
  releaseName: string;
  namespace: string;
  /** Absolute paths of values files, in order. */
  valuesFiles: string[];
  /** Target Kubernetes minor, e.g. `1.36`, passed as `--kube-version`. */
  kubeVersion: string;
}

/**
 * Renders a chart with `helm template`: no network, a private empty HOME (so no repositories, registry
 * credentials or plugins), an explicit `--kube-version`, test hooks skipped and CRDs included. Charts
 * must vendor their dependencies under `charts/`; helm says so clearly when one is missing.
 */
export async function renderHelm(root: string, chartDir: string, release: HelmRelease, limits: RenderLimits) {
  const files = await walkTree(root, chartDir, limits); // refuses links that leave the repository
  // helm's errors quote templates and values; what could be a Secret value is struck from them: every
  // value of a values file (the chart names its keys), and every Secret-like template.
  const sensitive = new Set<string>();
  const valuesArgs: string[] = [];
  for (const file of release.valuesFiles) {
    try {
      if (!(await stat(file)).isFile()) throw new Error("not a file");
    } catch {
      throw new RenderError(`values file ${displayPath(root, file)} does not exist`);
    }
    const real = await resolveInside(root, file);
    valuesArgs.push("--values", real);
    if ((await stat(real)).size <= limits.maxFileBytes) allValuesIn(await readFile(real, "utf8"), sensitive);
  }
  for (const file of files) {
    if (file.size > limits.maxFileBytes || !/\.(ya?ml|json|tpl|txt)$/i.test(file.path)) continue;
    const text = await readFile(file.absolute, "utf8");
    if (/(^|\/)values[^/]*\.ya?ml$/i.test(file.path)) allValuesIn(text, sensitive);
    else secretValuesIn(text, sensitive);
  }
  return runTool({
    tool: "helm",
    args: [
      "template",
      release.releaseName,
      chartDir,
      "--namespace",
      release.namespace,
      "--kube-version",
      `v${release.kubeVersion}.0`,
      "--include-crds",
      "--skip-tests",
      ...valuesArgs,
    ],
    cwd: root,
    env: {
      HELM_CACHE_HOME: "$HOME/cache",
      HELM_CONFIG_HOME: "$HOME/config",
      HELM_DATA_HOME: "$HOME/data",
      HELM_PLUGINS: "$HOME/plugins",
      HELM_REGISTRY_CONFIG: "$HOME/registry.json",
      HELM_REPOSITORY_CONFIG: "$HOME/repositories.yaml",
    },
    limits,
    hidePath: root,
    replaceWith: ".",
    redact: sensitive,
  });
}

/** Whether a directory is a helm chart. */
export async function isChart(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, "Chart.yaml"))).isFile();
  } catch {
    return false;
  }
}
