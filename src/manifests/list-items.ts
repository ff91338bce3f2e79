/**
 * The text of each item of a block-style `List` document (as kubectl, kustomize and helm print one), each
 * dedented to stand alone as a document with the 0-based line it starts on, so that locating a field of
 * one item reads that item only. `undefined` when the document is not that plain (a flow sequence, items
 * that are not mappings, a count that does not match): the caller then locates through the whole
 * document.
 */
export function blockListItems(
  text: string,
  count: number,
): Array<{ text: string; line: number }> | undefined {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^items:\s*(#.*)?$/.test(l));
  if (start === -1) return undefined;
  let dash = -1;
  const entries: number[] = [];
  let end = lines.length;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const indent = line.length - line.trimStart().length;
    const content = line.trim();
    if (content === "" || content.startsWith("#")) continue;
    if (dash === -1) {
      if (!content.startsWith("- ")) return undefined;
      dash = indent;
    }
    if (indent === dash && content.startsWith("- ")) {
      entries.push(i);
      continue;
    }
    if (indent <= dash) {
      end = i; // the next key of the List itself
      break;
    }
  }
  if (entries.length !== count || count === 0) return undefined;
  const column = dash + 2;
  return entries.map((first, n) => {
    const last = n + 1 < entries.length ? entries[n + 1]! : end;
    const body = lines.slice(first, last).map((line, j) => {
      if (j === 0) return line.slice(column);
      const lead = line.length - line.trimStart().length;
      return lead >= column ? line.slice(column) : line.trimStart();
    });
    return { text: body.join("\n"), line: first };
  });
}
