import { createHash } from "node:crypto";
import { readdir, readFile, readlink, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import { isInside } from "./tree.js";

/** Bounds on comparing two trees; past one, the comparison gives up and every environment is affected. */
export interface TreeDiffBudget {
  maxFiles: number;
  maxBytes: number;
}

/** Defaults for {@link TreeDiffBudget}: far above a real monorepo, below what would stall a preview. */
export const defaultTreeDiffBudget: TreeDiffBudget = { maxFiles: 200_000, maxBytes: 2 * 1024 ** 3 };

/**
 * The repository paths whose content differs between two trees, or that exist in one only. A path is
 * read as a renderer reads it, through symbolic links that stay in the repository, so a change to a
 * linked file is a change at every path that links to it. `.git` is skipped.
 *
 * @returns `undefined` when a tree is over the budget: the caller must then treat everything as changed
 */
export async function changedFiles(
  baseRoot: string,
  headRoot: string,
  budget: TreeDiffBudget = defaultTreeDiffBudget,
): Promise<Set<string> | undefined> {
  const spent = { files: 0, bytes: 0 };
  const [base, head] = await Promise.all([
    fingerprints(baseRoot, budget, spent),
    fingerprints(headRoot, budget, spent),
  ]);
  if (!base || !head) return undefined;
  const changed = new Set<string>();
  for (const [path, hash] of head) if (base.get(path) !== hash) changed.add(path);
  for (const path of base.keys()) if (!head.has(path)) changed.add(path);
  return changed;
}

/**
 * Repository path → content hash of every file below `dir` (the whole tree by default), read through
 * links that stay in the repository; `undefined` past the budget.
 */
export async function fingerprints(
  root: string,
  budget: TreeDiffBudget,
  spent = { files: 0, bytes: 0 },
  dir = "",
): Promise<Map<string, string> | undefined> {
  const realRoot = await realpath(root);
  const out = new Map<string, string>();
  // The real directories on the current path only: a link back up is a loop, a link across is walked.
  const visit = async (dir: string, prefix: string, ancestors: Set<string>): Promise<boolean> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (prefix === "" && entry.name === ".git") continue;
      const absolute = join(dir, entry.name);
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (++spent.files > budget.maxFiles) return false;
      let real = absolute;
      if (entry.isSymbolicLink()) {
        real = await realpath(absolute).catch(() => "");
        if (!real || !isInside(realRoot, real)) {
          // Renderers refuse such a link; a change of its target is still a change.
          out.set(path, `link:${await readlink(absolute).catch(() => "?")}`);
          continue;
        }
      }
      const info = await stat(real);
      if (info.isDirectory()) {
        if (ancestors.has(real)) continue;
        if (!(await visit(real, path, new Set([...ancestors, real])))) return false;
      } else if (info.isFile()) {
        spent.bytes += info.size;
        if (spent.bytes > budget.maxBytes) return false;
        out.set(
          path,
          createHash("sha1")
            .update(await readFile(real))
            .digest("base64"),
        );
      }
    }
    return true;
  };
  const start = dir ? await realpath(join(realRoot, dir)) : realRoot;
  return (await visit(start, dir, new Set([start]))) ? out : undefined;
}
