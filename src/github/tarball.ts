import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as tar from "tar";
import { CapstanError } from "../errors.js";
import { formatBytes } from "../render/index.js";
import type { GitHub, Repo } from "./types.js";

/** Bounds on a repository tarball. */
export interface TarballLimits {
  /** Largest download accepted. */
  maxBytes: number;
  /** Largest unpacked size accepted. */
  maxUnpackedBytes: number;
  maxEntries: number;
}

/** Defaults for {@link TarballLimits}. */
export function defaultTarballLimits(): TarballLimits {
  return { maxBytes: 256 * 1024 * 1024, maxUnpackedBytes: 1024 * 1024 * 1024, maxEntries: 200_000 };
}

/**
 * The tree of a repository at one commit, downloaded as a tarball and extracted into `cacheDir`, keyed by
 * SHA so that later previews of the same commit reuse it. Extraction refuses absolute paths, `..` and
 * writes through links (node-tar's defaults), and anything but files, directories and symbolic links;
 * links that lead out of the tree are left for the renderers, which refuse to follow them.
 *
 * @returns the absolute path of the tree
 */
export async function fetchTree(
  octokit: GitHub,
  repo: Repo,
  sha: string,
  cacheDir: string,
  limits: TarballLimits = defaultTarballLimits(),
): Promise<string> {
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new CapstanError(`"${sha}" is not a commit SHA`);
  const root = join(cacheDir, safeName(repo.owner), safeName(repo.repo), sha);
  // Every PR of a repository shares its base commit: jobs that want the same tree share one download.
  let pending = inflight.get(root);
  if (!pending) {
    pending = download(octokit, repo, sha, root, limits).finally(() => inflight.delete(root));
    inflight.set(root, pending);
  }
  return pending;
}

const inflight = new Map<string, Promise<string>>();

async function download(
  octokit: GitHub,
  repo: Repo,
  sha: string,
  root: string,
  limits: TarballLimits,
): Promise<string> {
  // A marker beside the tree (not in it, where a plain renderer would see it) says the extraction finished.
  const complete = `${root}.complete`;
  try {
    await stat(complete);
    return root;
  } catch {
    // not cached yet
  }
  const response = await octokit.rest.repos.downloadTarballArchive({ ...repo, ref: sha });
  const data = Buffer.from(response.data as ArrayBuffer);
  if (data.length > limits.maxBytes) {
    throw new CapstanError(
      `the tarball of ${sha.slice(0, 7)} is ${formatBytes(data.length)}, over the ${formatBytes(limits.maxBytes)} limit`,
    );
  }
  const partial = `${root}.partial-${process.pid}-${Date.now()}`;
  await mkdir(partial, { recursive: true });
  let entries = 0;
  let unpacked = 0;
  let refused: string | undefined;
  const skipped: string[] = [];
  try {
    await pipeline(
      Readable.from(data),
      tar.x({
        cwd: partial,
        strip: 1, // GitHub wraps the tree in one folder named after the repository and commit
        // An entry node-tar refuses (an absolute or `..` path, a write through a link) is skipped with a
        // warning rather than failing the whole tree; the renderers refuse links that leave the tree.
        strict: false,
        onwarn: (_code: string, message: string) => skipped.push(message),
        filter: (_path, entry) => {
          const type = "type" in entry ? entry.type : "File";
          if (++entries > limits.maxEntries) refused ??= `has more than ${limits.maxEntries} entries`;
          unpacked += entry.size ?? 0;
          if (unpacked > limits.maxUnpackedBytes)
            refused ??= `unpacks to more than ${formatBytes(limits.maxUnpackedBytes)}`;
          return (
            refused === undefined && (type === "File" || type === "Directory" || type === "SymbolicLink")
          );
        },
      }),
    );
    if (refused) throw new CapstanError(`the tree of ${sha.slice(0, 7)} ${refused}; refused`);
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    await rename(partial, root);
    await writeFile(complete, sha);
  } catch (err) {
    await rm(partial, { recursive: true, force: true, maxRetries: 3 });
    if (err instanceof CapstanError) throw err;
    throw new CapstanError(
      `the tarball of ${sha.slice(0, 7)} could not be extracted: ${(err as Error).message}`,
    );
  }
  return root;
}

function safeName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === "." || name === "..")
    throw new CapstanError(`"${name}" is not a valid owner or repository name`);
  return name;
}
