import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultTarballLimits, fetchTree } from "../../src/github/tarball.js";
import {
  defaultTreeCacheDir,
  defaultTreeCacheLimits,
  evictTrees,
  preparePrivateDir,
} from "../../src/github/tree-cache.js";
import type { GitHub } from "../../src/github/types.js";
import { tempDir } from "../helpers/fixtures.js";
import { GitHubState } from "../helpers/github-state.js";
import { OWNER, REPO } from "../helpers/webhooks.js";

const MIB = 1024 * 1024;
const HOUR = 3600_000;

describe("the tree cache", () => {
  let work: ReturnType<typeof tempDir>;
  beforeEach(() => {
    work = tempDir("capstan-cache-test-");
  });
  afterEach(() => {
    nock.cleanAll();
    work.remove();
  });

  it("lives in a directory private to this user, and refuses one that others can reach", async () => {
    const fresh = join(work.dir, "trees");
    await preparePrivateDir(fresh);
    expect(statMode(fresh)).toBe(0o700);
    const open = join(work.dir, "open");
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    await expect(preparePrivateDir(open)).rejects.toThrow(
      `the tree cache ${open} is open to other users (mode 755); make it 0700`,
    );
  });

  it.each([
    [{}, "/home/capstan/.cache/capstan/trees"],
    [{ XDG_CACHE_HOME: "/var/cache" }, "/var/cache/capstan/trees"],
    [{ CAPSTAN_CACHE_DIR: "/srv/capstan" }, "/srv/capstan"],
  ])("is found from %j at %s", (env, dir) => {
    expect(defaultTreeCacheDir(env, "/home/capstan")).toBe(dir);
  });

  it("takes its size from CAPSTAN_CACHE_MAX_BYTES, and refuses a value that is not a size", () => {
    expect(defaultTreeCacheLimits({}).maxBytes).toBe(2 * 1024 ** 3);
    expect(defaultTreeCacheLimits({ CAPSTAN_CACHE_MAX_BYTES: "1048576" }).maxBytes).toBe(MIB);
    expect(() => defaultTreeCacheLimits({ CAPSTAN_CACHE_MAX_BYTES: "2GiB" })).toThrow(
      'CAPSTAN_CACHE_MAX_BYTES must be a whole number of bytes (got "2GiB")',
    );
  });

  it("evicts trees unused past the age limit, then the least recently used past the size limit, never one in use", async () => {
    const now = Date.now();
    const tree = (sha: string, bytes: number, usedHoursAgo: number) => {
      const root = join(work.dir, "o", "r", sha);
      mkdirSync(root, { recursive: true });
      writeFileSync(join(root, "file"), "x");
      writeFileSync(`${root}.complete`, JSON.stringify({ sha, bytes }));
      const at = new Date(now - usedHoursAgo * HOUR);
      utimesSync(`${root}.complete`, at, at);
    };
    tree("old", 1 * MIB, 30); // past a day: goes whatever the size
    tree("lru", 6 * MIB, 5); // least recently used of the rest: goes to fit 10 MiB
    tree("mid", 5 * MIB, 2);
    tree("busy", 5 * MIB, 0.1); // in use: stays even though the total is still over
    mkdirSync(join(work.dir, "o", "r", `stale.partial-1-2`));
    utimesSync(join(work.dir, "o", "r", "stale.partial-1-2"), new Date(now - HOUR), new Date(now - HOUR));
    const removed = await evictTrees(
      work.dir,
      { maxBytes: 10 * MIB, maxAgeMs: 24 * HOUR, inUseMs: 15 * 60_000 },
      now,
    );
    expect(removed).toBe(2);
    expect(readdirSync(join(work.dir, "o", "r")).sort()).toEqual([
      "busy",
      "busy.complete",
      "mid",
      "mid.complete",
    ]);
  });

  it("streams a tarball and cuts it off at the byte limit, keeping nothing of it", async () => {
    const github = new GitHubState();
    const big = join(work.dir, "src", "repo");
    mkdirSync(big, { recursive: true });
    // Random bytes do not compress: the tarball is about as big as the file.
    writeFileSync(
      join(big, "blob.bin"),
      Buffer.from(Array.from({ length: 3 * MIB }, () => Math.floor(Math.random() * 256))),
    );
    const sha = "c".repeat(40);
    github.serveTree(sha, big);
    const octokit = new Octokit({ auth: "x" }) as unknown as GitHub;
    const cache = join(work.dir, "cache");
    await expect(
      fetchTree(octokit, { owner: OWNER, repo: REPO }, sha, cache, {
        ...defaultTarballLimits(),
        maxBytes: MIB,
      }),
    ).rejects.toThrow("the tarball of ccccccc is over the 1 MiB limit");
    expect(readdirSync(join(cache, OWNER, REPO))).toEqual([]);
    expect(existsSync(join(cache, OWNER, REPO, sha))).toBe(false);
  });

  it.each([
    ["too many entries", { maxEntries: 10 }, "the tree of ddddddd has more than 10 entries; refused"],
    [
      "too much unpacked",
      { maxUnpackedBytes: 64 * 1024 },
      "the tree of ddddddd unpacks to more than 64 KiB; refused",
    ],
  ])("refuses a tree with %s at once, keeping nothing of it", async (_name, limits, message) => {
    const github = new GitHubState();
    const tree = join(work.dir, "src", "repo");
    mkdirSync(tree, { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(join(tree, `f${i}.yaml`), "x".repeat(8 * 1024));
    const sha = "d".repeat(40);
    github.serveTree(sha, tree);
    const octokit = new Octokit({ auth: "x" }) as unknown as GitHub;
    const cache = join(work.dir, "cache");
    await expect(
      fetchTree(octokit, { owner: OWNER, repo: REPO }, sha, cache, { ...defaultTarballLimits(), ...limits }),
    ).rejects.toThrow(message);
    expect(readdirSync(join(cache, OWNER, REPO))).toEqual([]);
  });
});

function statMode(path: string): number {
  return statSync(path).mode & 0o777;
}
