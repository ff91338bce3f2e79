import { structuredPatch } from "diff";

/**
 * A unified diff of two texts without file headers: `@@` hunks with three lines of context. An empty
 * side makes every line of the other an addition or removal.
 */
export function unifiedDiff(before: string, after: string, context = 3): string {
  const patch = structuredPatch("before", "after", before, after, "", "", { context });
  const out: string[] = [];
  for (const hunk of patch.hunks) {
    out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) if (!line.startsWith("\\")) out.push(line);
  }
  return out.join("\n");
}
