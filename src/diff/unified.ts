import { structuredPatch } from "diff";

/**
 * A unified diff of two texts without file headers: `@@` hunks with three lines of context. An empty
 * side makes every line of the other an addition or removal.
 */
export function unifiedDiff(before: string, after: string, context = 3): string {
  // An added or removed object is one hunk of its every line: no edit script to search for.
  if (before === "" || after === "")
    return oneSided(before === "" ? after : before, before === "" ? "+" : "-");
  const patch = structuredPatch("before", "after", before, after, "", "", { context });
  const out: string[] = [];
  for (const hunk of patch.hunks) {
    out.push(`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) if (!line.startsWith("\\")) out.push(line);
  }
  return out.join("\n");
}

function oneSided(text: string, sign: "+" | "-"): string {
  if (text === "") return "";
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  const header = sign === "+" ? `@@ -1,0 +1,${lines.length} @@` : `@@ -1,${lines.length} +1,0 @@`;
  return [header, ...lines.map((line) => sign + line)].join("\n");
}
