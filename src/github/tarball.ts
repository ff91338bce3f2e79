import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream } from "node:stream/web";
import * as tar from "tar";
import { CapstanError } from "../errors.js";
import { formatBytes } from "../render/index.js";
import {
  defaultTreeCacheLimits,
  evictTrees,
  isCached,
  markComplete,
  preparePrivateDir,
  type TreeCacheLimits,
} from "./tree-cache.js";
import type { GitHub, Repo } from "./types.js";

/** Bounds on a repository tarball. */
export interface TarballLimits {
  /** Largest download accepted. */
  maxBytes: number;
  /** Largest unpacked size accepted. */
  maxUnpackedBytes: number;
  maxEntries: number;
  /** Bounds on the whole cache, applied after each download; none when absent (tests). */
  cache?: TreeCacheLimits;
}

/** Defaults for {@link TarballLimits}. */
export function defaultTarballLimits(): TarballLimits {
  return {
    maxBytes: 256 * 1024 * 1024,
    maxUnpackedBytes: 1024 * 1024 * 1024,
    maxEntries: 200_000,
    cache: defaultTreeCacheLimits(),
  };
}

/**
 * The tree of a repository at one commit, downloaded as a tarball and extracted into `cacheDir` (a private
 * directory, see `preparePrivateDir`), keyed by SHA so that later previews of the same commit reuse it.
 * The download is streamed straight into the extraction and cut off at the byte limit: it is never held
 * in memory whole. After a download the cache is evicted to its limits. Extraction refuses absolute paths, `..` and
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
  await privateDir(cacheDir);
  // Every PR of a repository shares its base commit: jobs that want the same tree share one download.
  let pending = inflight.get(root);
  if (!pending) {
    pending = download(octokit, repo, sha, root, limits).finally(() => inflight.delete(root));
    inflight.set(root, pending);
  }
  return pending;
}

const inflight = new Map<string, Promise<string>>();

// Checked once per directory and process: trees in it are trusted as commits' content.
const checked = new Map<string, Promise<void>>();
function privateDir(dir: string): Promise<void> {
  let pending = checked.get(dir);
  if (!pending) {
    pending = preparePrivateDir(dir);
    pending.catch(() => checked.delete(dir));
    checked.set(dir, pending);
  }
  return pending;
}

async function download(
  octokit: GitHub,
  repo: Repo,
  sha: string,
  root: string,
  limits: TarballLimits,
): Promise<string> {
  // A marker beside the tree (not in it, where a plain renderer would see it) says the extraction finished.
  if (await isCached(root)) return root;
  const response = await octokit.rest.repos.downloadTarballArchive({
    ...repo,
    ref: sha,
    request: { parseSuccessResponseBody: false },
  });
  const tooBig = () =>
    new CapstanError(`the tarball of ${sha.slice(0, 7)} is over the ${formatBytes(limits.maxBytes)} limit`);
  const declared = Number((response.headers as Record<string, unknown>)["content-length"] ?? 0);
  if (declared > limits.maxBytes) throw tooBig();
  const body = response.data as unknown as ReadableStream | null;
  if (!body) throw new CapstanError(`the tarball of ${sha.slice(0, 7)} came back empty`);
  let received = 0;
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done(received > limits.maxBytes ? tooBig() : null, chunk);
    },
  });
  const partial = `${root}.partial-${process.pid}-${Date.now()}`;
  await mkdir(partial, { recursive: true });
  let entries = 0;
  let unpacked = 0;
  let refused: string | undefined;
  const skipped: string[] = [];
  // A refused tree is refused at once: the rest of the download is not read.
  const refuse = (why: string) => {
    if (refused !== undefined) return;
    refused = why;
    capped.destroy(new CapstanError(`the tree of ${sha.slice(0, 7)} ${why}; refused`));
  };
  try {
    await pipeline(
      Readable.fromWeb(body),
      capped,
      tar.x({
        cwd: partial,
        strip: 1, // GitHub wraps the tree in one folder named after the repository and commit
        // An entry node-tar refuses (an absolute or `..` path, a write through a link) is skipped with a
        // warning rather than failing the whole tree; the renderers refuse links that leave the tree.
        strict: false,
        onwarn: (_code: string, message: string) => skipped.push(message),
        filter: (_path, entry) => {
          const type = "type" in entry ? entry.type : "File";
          if (++entries > limits.maxEntries) refuse(`has more than ${limits.maxEntries} entries`);
          unpacked += entry.size ?? 0;
          if (unpacked > limits.maxUnpackedBytes)
            refuse(`unpacks to more than ${formatBytes(limits.maxUnpackedBytes)}`);
          return (
            refused === undefined && (type === "File" || type === "Directory" || type === "SymbolicLink")
          );
        },
      }),
    );
    if (refused) throw new CapstanError(`the tree of ${sha.slice(0, 7)} ${refused}; refused`);
    await rm(root, { recursive: true, force: true, maxRetries: 3 });
    await rename(partial, root);
    await markComplete(root, sha, unpacked);
  } catch (err) {
    await rm(partial, { recursive: true, force: true, maxRetries: 3 });
    if (err instanceof CapstanError) throw err;
    throw new CapstanError(
      `the tarball of ${sha.slice(0, 7)} could not be extracted: ${(err as Error).message}`,
    );
  }
  if (limits.cache) await evictTrees(cacheDirOf(root), limits.cache);
  return root;
}

// `<cacheDir>/<owner>/<repo>/<sha>` → `<cacheDir>`
function cacheDirOf(root: string): string {
  return join(root, "..", "..", "..");
}

function safeName(name: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || name === "." || name === "..")
    throw new CapstanError(`"${name}" is not a valid owner or repository name`);
  return name;
}
