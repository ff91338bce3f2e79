import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { changedFiles } from "../../src/render/index.js";
import { tempDir } from "../helpers/fixtures.js";

const work = tempDir("capstan-tree-diff-");
afterAll(() => work.remove());
let n = 0;

function tree(files: Record<string, string>, links: Record<string, string> = {}): string {
  const root = join(work.dir, `t${n++}`);
  mkdirSync(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  for (const [path, target] of Object.entries(links)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    symlinkSync(target, join(root, path));
  }
  return root;
}

describe("changedFiles", () => {
  it("names files changed, added and removed, and skips .git", async () => {
    const base = tree({ "a.yaml": "1", "b.yaml": "1", ".git/HEAD": "x" });
    const head = tree({ "a.yaml": "2", "c.yaml": "1", ".git/HEAD": "y" });
    expect([...(await changedFiles(base, head))!].sort()).toEqual(["a.yaml", "b.yaml", "c.yaml"]);
  });

  it("walks a link loop once, and records a link out of the repository by its target", async () => {
    const files = { "app/a.yaml": "1" };
    const base = tree(files, { "app/loop": "..", "app/out": "/etc/hostname" });
    const head = tree(files, { "app/loop": "..", "app/out": "/etc/passwd" });
    expect([...(await changedFiles(base, head))!]).toEqual(["app/out"]);
  });

  it("gives up past its budget, so every environment is rendered", async () => {
    const base = tree({ "a.yaml": "1", "b.yaml": "1", "c.yaml": "1" });
    const head = tree({ "a.yaml": "1", "b.yaml": "1", "c.yaml": "2" });
    expect(await changedFiles(base, head, { maxFiles: 4, maxBytes: 1 << 20 })).toBeUndefined();
    expect(await changedFiles(base, head, { maxFiles: 100, maxBytes: 4 })).toBeUndefined();
    expect([...(await changedFiles(base, head, { maxFiles: 100, maxBytes: 1 << 20 }))!]).toEqual(["c.yaml"]);
  });
});
