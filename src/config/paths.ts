import { posix } from "node:path";

/**
 * Resolves a repository-relative path written by a user (`deploy/../base`, `./charts/x`) to its normal
 * form, or returns `null` when it is absolute or leaves the repository.
 */
export function repoPath(path: string, from = ""): string | null {
  if (path.includes("\0") || path.includes("\\") || posix.isAbsolute(path)) return null;
  const joined = posix.normalize(posix.join(from || ".", path));
  if (joined === ".." || joined.startsWith("../")) return null;
  return joined === "." ? "" : joined.replace(/\/$/, "");
}
