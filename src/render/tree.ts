import { lstat, readdir, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { RenderError } from "../errors.js";
import { formatBytes, type RenderLimits } from "./limits.js";

/** A regular file found below a directory, with its repository-relative path. */
export interface TreeFile {
  /** Absolute path to read. */
  absolute: string;
  /** Path relative to the repository root, with `/` separators, for messages and sources. */
  path: string;
  size: number;
}

/** Whether `child` is `root` or inside it (both absolute, real paths). */
export function isInside(root: string, child: string): boolean {
  return child === root || child.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The repository-relative form of an absolute path under `root`, for messages. */
export function displayPath(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join("/") || ".";
}

/**
 * Resolves `absolute` through any symbolic links and checks it stays inside the repository. Messages name
 * repository paths only: the server's own paths (the checkout's, a link's target) are nobody's business.
 *
 * @throws RenderError naming the path when it leads outside the repository or cannot be resolved
 */
export async function resolveInside(root: string, absolute: string): Promise<string> {
  const shown = isInside(root, absolute) ? displayPath(root, absolute) : "a path";
  let real: string;
  try {
    real = await realpath(absolute);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "does not exist" : code === "ELOOP" ? "is a loop of links" : "cannot be read";
    throw new RenderError(`${shown} ${why}${code === "ENOENT" ? " (or is a link to nothing)" : ""}`);
  }
  if (!isInside(root, real))
    throw new RenderError(`${shown} is a symbolic link that leads outside the repository; refused`);
  return real;
}

/**
 * Walks `dir` (absolute, under the real path `root`) and returns its regular files in a stable order.
 * Symbolic links are followed only while they stay inside the repository. Dot-directories (`.git`,
 * `.github`) are walked too, since a renderer may read them (helm's `.Files.Get`), but their files are
 * not returned.
 *
 * @throws RenderError for a link leaving the repository or when a limit is passed
 */
export async function walkTree(root: string, dir: string, limits: RenderLimits): Promise<TreeFile[]> {
  const files: TreeFile[] = [];
  const visited = new Set<string>();
  let seen = 0;
  let total = 0;
  const visit = async (current: string, hidden: boolean): Promise<void> => {
    const real = await resolveInside(root, current);
    if (visited.has(real)) return;
    visited.add(real);
    const entries = (await readdir(current)).sort();
    for (const name of entries) {
      const absolute = join(current, name);
      const info = await lstat(absolute);
      const target = info.isSymbolicLink() ? await stat(await resolveInside(root, absolute)) : info;
      if (++seen > limits.maxFiles) {
        throw new RenderError(`${displayPath(root, dir)} holds more than ${limits.maxFiles} files; refused`);
      }
      if (target.isDirectory()) {
        await visit(absolute, hidden || name.startsWith("."));
        continue;
      }
      if (!target.isFile() || hidden) continue;
      total += target.size;
      if (total > limits.maxTotalBytes) {
        throw new RenderError(
          `${displayPath(root, dir)} holds more than ${formatBytes(limits.maxTotalBytes)} of files; refused`,
        );
      }
      files.push({ absolute, path: displayPath(root, absolute), size: target.size });
    }
  };
  await visit(dir, false);
  return files;
}
