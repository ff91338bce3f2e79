import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { UsageError } from "../errors.js";

const run = promisify(execFile);

/** A temporary copy of a repository at one commit, removed by `dispose`. */
export interface Tree {
  root: string;
  sha: string;
  dispose(): Promise<void>;
}

/**
 * Extracts the tree of `ref` from a local git repository into a temporary directory with `git archive`,
 * so the working copy is never touched and untracked files never leak into a preview.
 *
 * @throws UsageError when the directory is not a repository or the ref does not name a commit
 */
export async function extractRef(repo: string, ref: string): Promise<Tree> {
  let sha: string;
  try {
    const { stdout } = await run("git", [
      "-C",
      repo,
      "rev-parse",
      "--verify",
      "--quiet",
      "--end-of-options",
      `${ref}^{commit}`,
    ]);
    sha = stdout.trim();
  } catch {
    throw new UsageError(`"${ref}" is not a commit in ${repo}`);
  }
  const root = await mkdtemp(join(tmpdir(), `capstan-tree-${sha.slice(0, 12)}-`));
  try {
    const archive = join(root, ".capstan-archive.tar");
    await run("git", ["-C", repo, "archive", "--format=tar", "-o", archive, sha]);
    await run("tar", ["-x", "-f", archive, "-C", root, "--no-same-owner", "--no-same-permissions"]);
    await rm(archive);
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw new UsageError(`cannot extract ${ref} from ${repo}: ${(err as Error).message}`);
  }
  return { root, sha, dispose: () => rm(root, { recursive: true, force: true }) };
}
