import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fingerprints } from "./tree-diff.js";

/** Where rendered output is cached, and how much of it is kept. Plain data: it crosses into workers. */
export interface RenderCacheOptions {
  /** The cache directory; created private (0700). */
  dir: string;
  /** Most bytes of entries kept; the least recently used go first. */
  maxBytes: number;
  /** The user the directory must belong to, to count as private (this process's by default). */
  owner?: number;
}

/** The default bound on the render cache. */
export const DEFAULT_RENDER_CACHE_BYTES = 512 * 1024 * 1024;

const FORMAT = "capstan-render/1";
// A rendered Secret in any spelling kustomize or helm prints it.
const SECRET = /^kind:\s*["']?Secret["']?\s*$/m;

/**
 * Renderer output on disk, keyed by the content of everything the render read (see {@link renderKey}),
 * so the same inputs are never rendered twice: the base side of a pull request is almost always a hit,
 * and a deploy or drift check of a previewed revision too. Each entry carries the hash of its body; a
 * truncated or altered entry is removed and rendered again, never trusted. Output holding a Secret is
 * stored only when the directory is private to this user (mode 0700).
 */
export class RenderCache {
  private static readonly open = new Map<string, RenderCache>();
  private ready?: Promise<{ private: boolean }>;
  private bytes?: number;

  private constructor(private readonly options: RenderCacheOptions) {}

  /** The cache of a directory, one per process. */
  static for(options: RenderCacheOptions): RenderCache {
    let cache = RenderCache.open.get(options.dir);
    if (!cache) {
      cache = new RenderCache(options);
      RenderCache.open.set(options.dir, cache);
    }
    return cache;
  }

  /** The output stored under `key`, or `undefined` (absent, or damaged and now removed). */
  async get(key: string): Promise<string | undefined> {
    await this.prepare();
    const path = this.pathOf(key);
    let raw: Buffer;
    try {
      raw = await readFile(path);
    } catch {
      return undefined;
    }
    const newline = raw.indexOf(10);
    const [format, hash, length] = raw.subarray(0, Math.max(newline, 0)).toString("utf8").split(" ");
    const body = raw.subarray(newline + 1);
    if (
      newline < 0 ||
      format !== FORMAT ||
      Number(length) !== body.length ||
      createHash("sha256").update(body).digest("hex") !== hash
    ) {
      await rm(path, { force: true });
      return undefined;
    }
    const now = new Date();
    await utimes(path, now, now).catch(() => {});
    return body.toString("utf8");
  }

  /** Stores output under `key` (best effort: a full or read-only disk costs only the caching). */
  async put(key: string, output: string): Promise<void> {
    const { private: isPrivate } = await this.prepare();
    if (!isPrivate && SECRET.test(output)) return;
    const body = Buffer.from(output, "utf8");
    if (body.length > this.options.maxBytes / 4) return;
    const header = `${FORMAT} ${createHash("sha256").update(body).digest("hex")} ${body.length}\n`;
    const path = this.pathOf(key);
    const temporary = `${path}.tmp-${randomBytes(4).toString("hex")}`;
    try {
      await mkdir(join(this.options.dir, key.slice(0, 2)), { recursive: true, mode: 0o700 });
      await writeFile(temporary, Buffer.concat([Buffer.from(header), body]), { mode: 0o600 });
      await rename(temporary, path);
    } catch {
      await rm(temporary, { force: true });
      return;
    }
    this.bytes = (this.bytes ?? 0) + body.length + header.length;
    if (this.bytes > this.options.maxBytes) await this.evict();
  }

  private pathOf(key: string): string {
    return join(this.options.dir, key.slice(0, 2), `${key}.render`);
  }

  private prepare(): Promise<{ private: boolean }> {
    this.ready ??= (async () => {
      await mkdir(this.options.dir, { recursive: true, mode: 0o700 }).catch(() => {});
      let info = await stat(this.options.dir).catch(() => undefined);
      const owner = this.options.owner ?? process.getuid?.();
      if (info && (info.mode & 0o077) !== 0 && info.uid === owner) {
        await chmod(this.options.dir, 0o700).catch(() => {});
        info = await stat(this.options.dir).catch(() => undefined);
      }
      const isPrivate = info !== undefined && (info.mode & 0o077) === 0 && info.uid === owner;
      this.bytes = (await this.entries()).reduce((n, e) => n + e.size, 0);
      return { private: isPrivate };
    })();
    return this.ready;
  }

  private async entries(): Promise<Array<{ path: string; size: number; usedAt: number }>> {
    const found: Array<{ path: string; size: number; usedAt: number }> = [];
    for (const bucket of await readdir(this.options.dir).catch(() => [])) {
      for (const name of await readdir(join(this.options.dir, bucket)).catch(() => [])) {
        const path = join(this.options.dir, bucket, name);
        const info = await stat(path).catch(() => undefined);
        if (info?.isFile()) found.push({ path, size: info.size, usedAt: info.mtimeMs });
      }
    }
    return found;
  }

  // Down to three quarters of the bound, least recently used first, so eviction is not paid per entry.
  private async evict(): Promise<void> {
    const entries = (await this.entries()).sort((a, b) => a.usedAt - b.usedAt);
    let total = entries.reduce((n, e) => n + e.size, 0);
    for (const entry of entries) {
      if (total <= this.options.maxBytes * 0.75) break;
      await rm(entry.path, { force: true });
      total -= entry.size;
    }
    this.bytes = total;
  }
}

/** What a render's output depends on, besides the files it reads. */
export interface RenderKeyInput {
  /** The renderer and the identity of its binary (path, size, modification time). */
  tool: string;
  /** The render's own settings (its path, the release name, namespace and kube version for helm). */
  settings: unknown;
  root: string;
  /** Repository directories whose every file the render may read. */
  dirs: readonly string[];
  /** Repository files it reads besides (values files). */
  files: readonly string[];
}

/**
 * The cache key of a render: a hash of the renderer, its settings, and the path and content of every
 * file it can read. `undefined` when the inputs are too many to hash (the render then runs uncached).
 */
export async function renderKey(input: RenderKeyInput): Promise<string | undefined> {
  const hash = createHash("sha256").update(`${FORMAT}\n${input.tool}\n${JSON.stringify(input.settings)}\n`);
  const budget = { maxFiles: 20_000, maxBytes: 256 * 1024 * 1024 };
  const spent = { files: 0, bytes: 0 };
  const contents = new Map<string, string>();
  for (const dir of [...new Set(input.dirs)].sort()) {
    const found = await fingerprints(input.root, budget, spent, dir === "." ? "" : dir);
    if (!found) return undefined;
    for (const [path, digest] of found) contents.set(path, digest);
  }
  for (const file of input.files) {
    const text = await readFile(join(input.root, file)).catch(() => undefined);
    contents.set(file, text ? createHash("sha1").update(text).digest("base64") : "missing");
  }
  for (const path of [...contents.keys()].sort()) hash.update(`${path}\0${contents.get(path)}\n`);
  return hash.digest("hex");
}
