// Capstan's object diff of two 10,000-object renders against `dyff between` on the same files.
// Capstan's time covers reading, parsing, identifying, normalizing, masking and the unified text of every
// change, which is what dyff does for its own report. Goal: ≤ 0.5× dyff.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { putToolsOnPath } from "../scripts/tools-bin.js";
import { diffManifests } from "../src/diff/index.js";
import { buildObjectSet, parseDocuments } from "../src/manifests/index.js";
import { compare } from "./harness.js";
import { syntheticRenders } from "./synthetic.js";

const bin = putToolsOnPath();
const dir = mkdtempSync(join(tmpdir(), "capstan-bench-"));
try {
  for (const [label, changed] of [
    ["10% of objects changed", 0.1],
    ["every object changed", 1],
  ] as const) {
    const { base, head } = syntheticRenders({ objects: 10_000, changed, churn: 0.01 });
    const basePath = join(dir, "base.yaml");
    const headPath = join(dir, "head.yaml");
    writeFileSync(basePath, base);
    writeFileSync(headPath, head);
    let changes = 0;
    await compare(
      `diff of two 10,000-object renders (${label}, 1% added and removed; ${(base.length / 1e6).toFixed(1)} MB each)`,
      {
        name: "capstan (parse + diff + text)",
        run: () => {
          const load = (p: string) =>
            buildObjectSet(parseDocuments(readFileSync(p, "utf8"), p).documents, "default");
          changes = diffManifests(load(basePath), load(headPath)).changes.length;
        },
      },
      {
        name: "dyff between",
        run: () =>
          execFileSync(join(bin, "dyff"), ["between", "--omit-header", basePath, headPath], {
            maxBuffer: 1 << 30,
          }),
      },
    );
    console.log(`  (capstan found ${changes} changed, added or removed objects)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
