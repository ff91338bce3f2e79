import { readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import yaml from "js-yaml";
import { RenderError } from "../errors.js";
import { isRecord, safeReason } from "../manifests/index.js";
import type { RenderLimits } from "./limits.js";
import { addValue, secretValuesIn, sensitiveLines } from "./redact.js";
import { runTool } from "./runner.js";
import { displayPath, resolveInside, walkTree } from "./tree.js";

/** The file names kustomize accepts for a kustomization. */
export const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

// What kustomize treats as remote: any URL or go-getter form (`https://`, `git::`, `ssh:`), scp-like git
// addresses, `host.tld/org/repo` shorthands and query parameters such as `?ref=`.
const REMOTE =
  /::|:\/\/|^(?:git@|ssh:|https?:)|^[a-z0-9-]+(?:\.[a-z0-9-]+)+\/|\?(?:ref|version|timeout|submodules)=/i;

/** Whether a kustomization entry points at something remote (a git repository or an HTTP URL). */
export function isRemoteReference(entry: string): boolean {
  return REMOTE.test(entry);
}

/**
 * Renders a kustomization with `kustomize build`, after a preflight over the whole kustomization graph:
 * remote bases, helm charts, exec and KRM-function plugins and links leaving the repository are refused
 * with a message naming the file. kustomize runs with the root-only load restrictor and without
 * `--enable-exec`, `--enable-alpha-plugins` or `--enable-helm`, so it refuses them too; the preflight is
 * there for a clear message and so that nothing is ever fetched. Secret values found on the way are
 * struck from kustomize's error messages, which sometimes quote their input.
 */
export async function renderKustomize(root: string, dir: string, limits: RenderLimits): Promise<string> {
  const sensitive = new Set<string>();
  await preflight(newWalk(root, limits, sensitive), dir);
  return runTool({
    tool: "kustomize",
    args: ["build", dir, "--load-restrictor", "LoadRestrictionsRootOnly"],
    cwd: root,
    env: { KUSTOMIZE_PLUGIN_HOME: "$HOME/plugins", XDG_CONFIG_HOME: "$HOME/.config" },
    limits,
    hidePath: root,
    replaceWith: ".",
    redact: sensitive,
  });
}

/**
 * Every directory a kustomize build of `dir` reads, as repository paths: the kustomization's own and
 * those of the resources, components and generator directories it names, transitively. kustomize runs
 * with the root-only load restrictor, so every file a kustomization reads (patches, generator sources,
 * replacements, configurations) is inside one of these directories.
 *
 * @throws RenderError for whatever the render itself would refuse (a remote base, a plugin, a link out)
 */
export async function kustomizationDirs(root: string, dir: string, limits: RenderLimits): Promise<string[]> {
  const walk = newWalk(root, limits);
  await preflight(walk, dir);
  return [...walk.seen].map((real) => displayPath(root, real));
}

/**
 * The directories a change to which can change the build: those of {@link kustomizationDirs}, and the
 * paths they were reached by. A directory reached through a symbolic link is then also known by the
 * link's path, so pointing the link elsewhere is a change even when no file changed.
 *
 * @throws RenderError as {@link kustomizationDirs}
 */
export async function kustomizationReach(root: string, dir: string, limits: RenderLimits): Promise<string[]> {
  const walk = newWalk(root, limits);
  await preflight(walk, dir);
  return [...new Set([...walk.seen, ...walk.reached].map((path) => displayPath(root, path)))];
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

interface Walk {
  root: string;
  limits: RenderLimits;
  seen: Set<string>;
  /** The directories as referenced (through links, unresolved). */
  reached: Set<string>;
  sensitive: Set<string>;
}

function newWalk(root: string, limits: RenderLimits, sensitive = new Set<string>()): Walk {
  return { root, limits, seen: new Set(), reached: new Set(), sensitive };
}

async function preflight(walk: Walk, dir: string): Promise<void> {
  const { root } = walk;
  const real = await resolveInside(root, dir);
  walk.reached.add(dir);
  if (walk.seen.has(real)) return;
  walk.seen.add(real);
  const files = await walkTree(root, dir, walk.limits); // refuses links that leave the repository
  for (const file of files) {
    if (/\.(ya?ml|json)$/i.test(file.path) && file.size <= walk.limits.maxFileBytes) {
      secretValuesIn(await readFile(file.absolute, "utf8"), walk.sensitive);
    }
  }
  const file = await findKustomization(dir);
  if (!file) return; // a plain resource directory
  const where = displayPath(root, file);
  let doc: unknown;
  try {
    doc = yaml.load(await readFile(file, "utf8"), { schema: yaml.CORE_SCHEMA });
  } catch (err) {
    throw new RenderError(`${where}: malformed YAML: ${safeReason(err)}`);
  }
  if (!isRecord(doc)) return;
  await collectGeneratorInputs(walk, dir, doc);
  await collectPatchInputs(walk, dir, doc);
  if (doc.helmCharts !== undefined || doc.helmChartInflationGenerator !== undefined) {
    throw new RenderError(
      `${where}: helmCharts needs kustomize --enable-helm, which Capstan does not allow; use renderer: helm`,
    );
  }
  for (const field of ["generators", "transformers", "validators"]) {
    for (const entry of listOf(doc[field])) {
      await collectBuiltinInputs(walk, dir, entry);
      if (typeof entry !== "string" || (await isPluginConfig(walk, dir, entry))) {
        const named = typeof entry === "string" && !entry.includes("\n") ? `"${entry}" ` : "";
        throw new RenderError(
          `${where}: ${field} entry ${named}configures a plugin; exec and KRM-function plugins are not allowed`,
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
      if (isDir) await preflight(walk, target);
    }
  }
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

// secretGenerator (and configMapGenerator) inputs: literals, env files and files. A typo such as
// `password:x` for `password=x` makes kustomize quote the whole literal in its error.
async function collectGeneratorInputs(walk: Walk, dir: string, doc: Record<string, unknown>): Promise<void> {
  for (const generator of listOf(doc.secretGenerator)) {
    if (!isRecord(generator)) continue;
    for (const literal of listOf(generator.literals)) {
      addValue(walk.sensitive, String(literal));
      addValue(walk.sensitive, String(literal).replace(/^[^=]*=/, ""));
    }
    const paths = [...listOf(generator.envs), generator.env, ...listOf(generator.files)];
    for (const path of paths) {
      if (typeof path !== "string") continue;
      try {
        const target = await resolveInside(walk.root, join(dir, path.replace(/^[^=]*=/, "")));
        if ((await stat(target)).size > walk.limits.maxFileBytes) continue;
        const text = await readFile(target, "utf8");
        for (const line of text.split("\n")) {
          addValue(walk.sensitive, line);
          addValue(walk.sensitive, line.replace(/^[^=]*=/, ""));
        }
      } catch (err) {
        if (err instanceof RenderError) throw err;
      }
    }
  }
}

// A generator, transformer or validator entry is fine when every document it names (a file, inline YAML,
// or the files of a directory, which kustomize builds as a kustomization of configs) is a builtin
// (`apiVersion: builtin`); anything else is an external plugin. A directory is walked like any other
// kustomization first, so its remote resources, links and Secrets are refused or struck as well.
async function isPluginConfig(walk: Walk, dir: string, entry: string): Promise<boolean> {
  if (isRemoteReference(entry)) return true;
  if (entry.includes("\n")) return !allBuiltin(entry);
  const target = join(dir, entry);
  let isDir: boolean;
  try {
    isDir = (await stat(target)).isDirectory();
  } catch {
    return false; // missing: kustomize reports it with its own words
  }
  await resolveInside(walk.root, target);
  if (!isDir) return !allBuiltin(await readFile(target, "utf8"));
  await preflight(walk, target);
  for (const file of await walkTree(walk.root, target, walk.limits)) {
    if (!/\.(ya?ml|json)$/i.test(file.path) || KUSTOMIZATION_FILES.includes(basename(file.path))) continue;
    if (file.size > walk.limits.maxFileBytes || !allBuiltin(await readFile(file.absolute, "utf8")))
      return true;
  }
  return false;
}

// Builtin generator and transformer configs (`apiVersion: builtin`, `kind: SecretGenerator` or a
// `PatchTransformer`…) carry literals and patches as secretGenerator and patches do, and kustomize quotes
// them the same way: every line of such a config is struck, inline, in a file or in a directory.
async function collectBuiltinInputs(walk: Walk, dir: string, entry: unknown): Promise<void> {
  if (typeof entry !== "string") return;
  const texts: string[] = [];
  if (entry.includes("\n")) texts.push(entry);
  else {
    const target = join(dir, entry);
    const info = await stat(target).catch(() => undefined);
    if (info?.isDirectory()) {
      for (const file of await walkTree(walk.root, target, walk.limits)) {
        const text = /\.(ya?ml|json)$/i.test(file.path) ? await readInside(walk, file.absolute) : undefined;
        if (text !== undefined) texts.push(text);
      }
    } else {
      const text = await readInside(walk, target);
      if (text !== undefined) texts.push(text);
    }
  }
  for (const text of texts) {
    if (/kind["']?\s*:\s*["']?(?:SecretGenerator|\w*Patch\w*)/i.test(text))
      sensitiveLines(text, walk.sensitive);
    secretValuesIn(text, walk.sensitive);
  }
}

// Patches quote what they patch in kustomize's errors: an inline patch or a patch file that may target a
// Secret (a target that is not plainly another kind, or content naming `kind: Secret` in any spelling)
// is struck line by line, whether or not it parses.
async function collectPatchInputs(walk: Walk, dir: string, doc: Record<string, unknown>): Promise<void> {
  const entries = ["patches", "patchesStrategicMerge", "patchesJson6902"].flatMap((f) => listOf(doc[f]));
  for (const entry of entries) {
    const patch = isRecord(entry) ? entry : { patch: entry };
    const target = isRecord(patch.target) ? patch.target : {};
    const texts: string[] = [];
    for (const value of [patch.patch, patch.path]) {
      if (typeof value !== "string") continue;
      if (value.includes("\n") || value === patch.patch) texts.push(value);
      const file = await readInside(walk, join(dir, value));
      if (file !== undefined) texts.push(file);
    }
    // kustomize's selectors are regular expressions, and a target may name no kind at all: only a
    // patch whose target is plainly another kind is spared.
    const plainlyOther =
      typeof target.kind === "string" && /^[A-Za-z0-9]+$/.test(target.kind) && !/^secret$/i.test(target.kind);
    for (const text of texts) {
      if (!plainlyOther) sensitiveLines(text, walk.sensitive);
      secretValuesIn(text, walk.sensitive);
    }
  }
}

// The text of a repository file within the size limit, or `undefined` (missing, a directory, too big).
async function readInside(walk: Walk, path: string): Promise<string | undefined> {
  if (path.includes("\n")) return undefined;
  try {
    const target = await resolveInside(walk.root, path);
    const info = await stat(target);
    if (!info.isFile() || info.size > walk.limits.maxFileBytes) return undefined;
    return await readFile(target, "utf8");
  } catch (err) {
    if (err instanceof RenderError) throw err;
    return undefined;
  }
}

function allBuiltin(text: string): boolean {
  try {
    const docs = yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA });
    return docs.every((d) => d === null || (isRecord(d) && d.apiVersion === "builtin"));
  } catch {
    return false;
  }
}
