import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { CapstanError } from "../errors.js";

/** Bounds on the cache of extracted trees. */
export interface TreeCacheLimits {
  /** What all trees together may take on disk; the least recently used go first. */
  maxBytes: number;
  /** How long a tree unused is kept. */
  maxAgeMs: number;
  /** A tree used this recently is never evicted: a preview or deploy may be reading it. */
  inUseMs: number;
}

/**
 * Defaults for {@link TreeCacheLimits}: 2 GiB (or `CAPSTAN_CACHE_MAX_BYTES`), a day, 15 minutes.
 *
 * @throws CapstanError when `CAPSTAN_CACHE_MAX_BYTES` is not a whole number of bytes
 */
export function defaultTreeCacheLimits(env: NodeJS.ProcessEnv = process.env): TreeCacheLimits {
  const configured = env.CAPSTAN_CACHE_MAX_BYTES;
  if (configured !== undefined && !/^[1-9]\d{0,15}$/.test(configured))
    throw new CapstanError(`CAPSTAN_CACHE_MAX_BYTES must be a whole number of bytes (got "${configured}")`);
  return {
    maxBytes: configured ? Number(configured) : 2 * 1024 ** 3,
    maxAgeMs: 24 * 3600_000,
    inUseMs: 15 * 60_000,
  };
}

/** Where trees are cached: `CAPSTAN_CACHE_DIR`, else `$XDG_CACHE_HOME/capstan/trees` (or `~/.cache/…`). */
export function defaultTreeCacheDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return env.CAPSTAN_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(home, ".cache"), "capstan", "trees");
}

/** What the marker beside a finished tree records. */
interface Marker {
  sha: string;
  bytes: number;
}

/**
 * Creates the cache directory private to this user (0700), or checks that an existing one is: a tree in
 * it is trusted as a commit's content and deployed, so no other local user may be able to plant one.
 *
 * @throws CapstanError when the directory belongs to another user or others may write or read it
 */
export async function preparePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await stat(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory()) throw new CapstanError(`the tree cache ${dir} is not a directory`);
  if (uid !== undefined && info.uid !== uid)
    throw new CapstanError(`the tree cache ${dir} belongs to another user (uid ${info.uid}); refused`);
  if ((info.mode & 0o077) !== 0)
    throw new CapstanError(
      `the tree cache ${dir} is open to other users (mode ${(info.mode & 0o777).toString(8)}); make it 0700`,
    );
}

/** Records a finished tree of `bytes` unpacked; its marker's time is its last use. */
export async function markComplete(root: string, sha: string, bytes: number): Promise<void> {
  await writeFile(`${root}.complete`, JSON.stringify({ sha, bytes } satisfies Marker));
}

/** Whether a finished tree is cached at `root`; a hit counts as a use. */
export async function isCached(root: string): Promise<boolean> {
  const marker = `${root}.complete`;
  try {
    const now = new Date();
    await utimes(marker, now, now);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes trees unused for longer than the age limit, then the least recently used until the rest fit
 * the size limit, never one used within `inUseMs`. Trees are found as `<owner>/<repo>/<sha>` with their
 * markers; a partial extraction older than the in-use window is removed too.
 *
 * @returns how many trees were removed
 */
export async function evictTrees(
  cacheDir: string,
  limits: TreeCacheLimits = defaultTreeCacheLimits(),
  now = Date.now(),
): Promise<number> {
  const trees: Array<{ root: string; usedAt: number; bytes: number }> = [];
  for (const owner of await entries(cacheDir)) {
    for (const repo of await entries(join(cacheDir, owner))) {
      const dir = join(cacheDir, owner, repo);
      for (const name of await entries(dir)) {
        const path = join(dir, name);
        if (name.includes(".partial-")) {
          const info = await stat(path).catch(() => undefined);
          if (info && now - info.mtimeMs > limits.inUseMs) await rm(path, { recursive: true, force: true });
          continue;
        }
        if (!name.endsWith(".complete")) continue;
        const info = await stat(path).catch(() => undefined);
        if (!info) continue;
        const marker = await readFile(path, "utf8")
          .then((t) => JSON.parse(t) as Partial<Marker>)
          .catch(() => ({}) as Partial<Marker>);
        trees.push({
          root: path.slice(0, -".complete".length),
          usedAt: info.mtimeMs,
          bytes: marker.bytes ?? 0,
        });
      }
    }
  }
  trees.sort((a, b) => a.usedAt - b.usedAt);
  let total = trees.reduce((n, t) => n + t.bytes, 0);
  let removed = 0;
  for (const tree of trees) {
    const idle = now - tree.usedAt;
    if (idle <= limits.inUseMs) break; // sorted: every later tree is in use too
    if (idle <= limits.maxAgeMs && total <= limits.maxBytes) continue;
    // Used again since the listing (another job's cache hit): keep it.
    const now2 = await stat(`${tree.root}.complete`).catch(() => undefined);
    if (!now2 || now2.mtimeMs !== tree.usedAt) continue;
    // The marker goes first, so a half-removed tree never reads as cached.
    await rm(`${tree.root}.complete`, { force: true });
    await rm(tree.root, { recursive: true, force: true, maxRetries: 3 });
    total -= tree.bytes;
    removed++;
  }
  return removed;
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
