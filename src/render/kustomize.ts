import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import yaml from "js-yaml";
import { RenderError } from "../errors.js";
import { isRecord } from "../manifests/index.js";
import type { RenderLimits } from "./limits.js";
import { runTool } from "./runner.js";
import { displayPath, resolveInside, walkTree } from "./tree.js";

/** The file names kustomize accepts for a kustomization. */
export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

// kustomize reads these as remote targets: URLs, scp-like git addresses and host/org/repo forms.
const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|[a-z0-9-]+(?:\.[a-z0-9-]+)+\/)|\?ref=|\?version=/i;

/** Whether a kustomization entry points at something remote (a git repository or an HTTP URL). */
export function isRemoteReference(entry: string): boolean {
  return REMOTE.test(entry);
}

/**
 * Renders a kustomization with `kustomize build`, after a preflight over the whole kustomization graph:
 * remote bases, helm charts, exec and KRM-function plugins and links leaving the repository are refused
 * with a message naming the file. kustomize runs with the root-only load restrictor and without
 * `--enable-exec`, `--enable-alpha-plugins` or `--enable-helm`, so it would refuse them too; the preflight
 * is there for a clear message and so that nothing is fetched.
 */
export async function renderKustomize(root: string, dir: string, limits: RenderLimits): Promise<string> {
  await preflight(root, dir, limits, new Set());
  return runTool({
    tool: "kustomize",
    args: ["build", dir, "--load-restrictor", "LoadRestrictionsRootOnly"],
    cwd: root,
    env: { KUSTOMIZE_PLUGIN_HOME: "$HOME/plugins", XDG_CONFIG_HOME: "$HOME/.config" },
    limits,
    hidePath: root,
    replaceWith: ".",
  });
}

/** Finds the kustomization file of a directory, or `undefined`. */
export async function findKustomization(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) {
    try {
      if ((await stat(join(dir, name))).isFile()) return join(dir, name);
    } catch {
      // not this name
    }
  }
  return undefined;
}

async function preflight(root: string, dir: string, limits: RenderLimits, seen: Set<string>): Promise<void> {
  const real = await resolveInside(root, dir);
  if (seen.has(real)) return;
  seen.add(real);
  await walkTree(root, dir, limits); // refuses links that leave the repository
  const file = await findKustomization(dir);
  if (!file) return; // a plain resource directory: kustomize itself will say if it is not allowed
  const where = displayPath(root, file);
  let doc: unknown;
  try {
    doc = yaml.load(await readFile(file, "utf8"), { schema: yaml.CORE_SCHEMA });
  } catch (err) {
    throw new RenderError(`${where}: malformed YAML: ${(err as yaml.YAMLException).reason ?? "unreadable"}`);
  }
  if (!isRecord(doc)) return;
  if (doc.helmCharts !== undefined || doc.helmChartInflationGenerator !== undefined) {
    throw new RenderError(
      `${where}: helmCharts needs kustomize --enable-helm, which Capstan does not allow; use renderer: helm`,
    );
  }
  for (const field of ["generators", "transformers", "validators"]) {
    for (const entry of listOf(doc[field])) {
      if (typeof entry !== "string" || (await isPluginConfig(root, dir, entry))) {
        throw new RenderError(
          `${where}: ${field} entry ${typeof entry === "string" ? `"${entry}" ` : ""}configures a plugin; exec and KRM-function plugins are not allowed`,
        );
      }
    }
  }
  for (const field of ["resources", "bases", "components"]) {
    for (const entry of listOf(doc[field])) {
      if (typeof entry !== "string") continue;
      if (isRemoteReference(entry)) {
        throw new RenderError(
          `${where}: ${field} entry "${entry}" is remote; Capstan renders only what is in the repository`,
        );
      }
      const target = join(dir, entry);
      let isDir = false;
      try {
        isDir = (await stat(target)).isDirectory();
      } catch {
        continue; // missing: kustomize reports it with its own words
      }
      await resolveInside(root, target);
      if (isDir) await preflight(root, target, limits, seen);
    }
  }
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

// A generator or transformer file is fine when every document in it is a builtin (apiVersion builtin);
// anything else is an external plugin.
async function isPluginConfig(root: string, dir: string, entry: string): Promise<boolean> {
  if (isRemoteReference(entry)) return true;
  const target = join(dir, entry);
  try {
    const info = await stat(target);
    if (info.isDirectory()) return false; // a kustomization of builtins; its own preflight is not needed here
    await resolveInside(root, target);
    const docs = yaml.loadAll(await readFile(target, "utf8"), undefined, { schema: yaml.CORE_SCHEMA });
    return docs.some((d) => !isRecord(d) || d.apiVersion !== "builtin");
  } catch (err) {
    if (err instanceof RenderError) throw err;
    return false; // kustomize reports unreadable files itself
  }
}
