import { structuredPatch } from "diff";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/diff/unified.js";

// What the diff library prints for the same two texts, the way unifiedDiff prints a hunk.
function libraryDiff(before: string, after: string): string {
  const out: string[] = [];
  for (const hunk of structuredPatch("before", "after", before, after, "", "", { context: 3 }).hunks) {
    out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) if (!line.startsWith("\\")) out.push(line);
  }
  return out.join("\n");
}

const text = fc
  .array(fc.stringMatching(/^[a-z: -]{0,12}$/), { maxLength: 12 })
  .chain((lines) => fc.constantFrom(lines.join("\n"), `${lines.join("\n")}\n`));

describe("unifiedDiff", () => {
  it("gives an added or removed object the hunk the diff library would, without searching for one", () => {
    fc.assert(
      fc.property(text, fc.boolean(), (t, added) => {
        const [before, after] = added ? ["", t] : [t, ""];
        expect(unifiedDiff(before, after)).toBe(libraryDiff(before, after));
      }),
      { seed: 20261201, numRuns: 300 },
    );
  });

  it("gives changed texts the library's hunks with three lines of context", () => {
    expect(unifiedDiff("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nb\nc\nd\nE\nf\ng\nh\n")).toBe(
      "@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h",
    );
  });
});
