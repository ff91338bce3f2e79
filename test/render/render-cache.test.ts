import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/index.js";
import { defaultRenderOptions, renderEnvironment } from "../../src/render/index.js";
import { RenderCache, renderKey } from "../../src/render/render-cache.js";
import { tempDir } from "../helpers/fixtures.js";

const work = tempDir("capstan-render-cache-");
afterAll(() => work.remove());
let n = 0;
const fresh = (maxBytes = 1 << 20) => {
  const dir = join(work.dir, `cache-${n++}`);
  return { dir, cache: RenderCache.for({ dir, maxBytes }) };
};
const entryOf = (dir: string) => {
  const bucket = readdirSync(dir)[0]!;
  return join(dir, bucket, readdirSync(join(dir, bucket))[0]!);
};
const KEY = "ab".repeat(32);

describe("RenderCache", () => {
  it("gives back what was stored, in a private directory", async () => {
    const { dir, cache } = fresh();
    await cache.put(KEY, "kind: ConfigMap\n");
    expect(await cache.get(KEY)).toBe("kind: ConfigMap\n");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(entryOf(dir)).mode & 0o777).toBe(0o600);
  });

  it.each<[string, (text: Buffer) => Buffer]>([
    ["truncated", (t) => t.subarray(0, t.length - 3)],
    ["altered", (t) => Buffer.from(t.toString().replace("ConfigMap", "ConfigMaq"))],
    ["without its header", (t) => t.subarray(t.indexOf(10) + 1)],
    ["empty", () => Buffer.alloc(0)],
  ])("never trusts an entry that is %s: it is removed and read as a miss", async (_, damage) => {
    const { dir, cache } = fresh();
    await cache.put(KEY, "kind: ConfigMap\n");
    const path = entryOf(dir);
    writeFileSync(path, damage(readFileSync(path)));
    expect(await cache.get(KEY)).toBeUndefined();
    expect(() => statSync(path)).toThrow();
  });

  it("makes its own directory private before storing a rendered Secret", async () => {
    const dir = join(work.dir, "loose");
    mkdirSync(dir, { mode: 0o755 });
    const cache = RenderCache.for({ dir, maxBytes: 1 << 20 });
    await cache.put(KEY, "apiVersion: v1\nkind: Secret\ndata: {a: b}\n");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(await cache.get(KEY)).toContain("kind: Secret");
  });

  it("keeps no rendered Secret in a directory that is not private to it, but caches the rest there", async () => {
    const dir = join(work.dir, "shared");
    mkdirSync(dir, { mode: 0o755 });
    // Someone else's directory: the cache may not make it private.
    const cache = RenderCache.for({ dir, maxBytes: 1 << 20, owner: (process.getuid?.() ?? 0) + 4242 });
    await cache.put(KEY, "apiVersion: v1\nkind: Secret\ndata: {a: b}\n");
    await cache.put("cd".repeat(32), "apiVersion: v1\nkind: ConfigMap\n");
    expect(statSync(dir).mode & 0o777).toBe(0o755);
    expect(await cache.get(KEY)).toBeUndefined();
    expect(await cache.get("cd".repeat(32))).toContain("ConfigMap");
  });

  it("evicts the least recently used entries past its bound", async () => {
    const { cache } = fresh(4000);
    const big = "x".repeat(900);
    for (const k of ["a1", "b2", "c3", "d4"]) await cache.put(k.repeat(32), big);
    await cache.get("a1".repeat(32)); // used again: kept
    await cache.put("e5".repeat(32), big);
    const kept = [];
    for (const k of ["a1", "b2", "c3", "d4", "e5"]) if (await cache.get(k.repeat(32))) kept.push(k);
    expect(kept).toContain("a1");
    expect(kept).toContain("e5");
    expect(kept).not.toContain("b2");
  });
});

describe("renderKey", () => {
  const root = join(work.dir, "repo");
  mkdirSync(join(root, "app"), { recursive: true });
  writeFileSync(join(root, "app/a.yaml"), "a: 1\n");
  writeFileSync(join(root, "values.yaml"), "v: 1\n");
  const key = () =>
    renderKey({
      tool: "kustomize:x",
      settings: { path: "app" },
      root,
      dirs: ["app"],
      files: ["values.yaml"],
    });

  it("changes with the content of any input, and with nothing else", async () => {
    const first = await key();
    expect(await key()).toBe(first);
    writeFileSync(join(root, "unrelated.txt"), "x");
    expect(await key()).toBe(first);
    writeFileSync(join(root, "app/a.yaml"), "a: 2\n");
    const second = await key();
    expect(second).not.toBe(first);
    writeFileSync(join(root, "values.yaml"), "v: 2\n");
    expect(await key()).not.toBe(second);
    expect(
      await renderKey({
        tool: "kustomize:y",
        settings: { path: "app" },
        root,
        dirs: ["app"],
        files: ["values.yaml"],
      }),
    ).not.toBe(await key());
  });
});

describe("renderEnvironment with a render cache", () => {
  const root = join(work.dir, "kustomized");
  mkdirSync(join(root, "app"), { recursive: true });
  writeFileSync(join(root, "app/kustomization.yaml"), "resources: [cm.yaml]\n");
  writeFileSync(join(root, "app/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: real}\n");
  const env = parseConfig("environments: [{name: app, path: app, renderer: kustomize}]\n", "c.yml")
    .environments[0]!;

  it("reads a render back from its entry, and renders again when the entry is damaged", async () => {
    const { dir } = fresh();
    const options = { ...defaultRenderOptions(), cache: { dir, maxBytes: 1 << 20 } };
    const first = await renderEnvironment(root, env, options);
    expect(first.manifests.map((m) => m.ref.name)).toEqual(["real"]);
    // A well-formed entry is trusted: this one says the render holds another object.
    const path = entryOf(dir);
    const body = Buffer.from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-cache\n");
    const header = `capstan-render/1 ${createHash("sha256").update(body).digest("hex")} ${body.length}\n`;
    writeFileSync(path, Buffer.concat([Buffer.from(header), body]));
    expect((await renderEnvironment(root, env, options)).manifests.map((m) => m.ref.name)).toEqual([
      "from-cache",
    ]);
    writeFileSync(path, Buffer.concat([Buffer.from(header), body.subarray(0, 20)]));
    expect((await renderEnvironment(root, env, options)).manifests.map((m) => m.ref.name)).toEqual(["real"]);
  });
});
