/** Options for {@link splitParts}. */
export interface SplitOptions {
  /** Most characters in one part, headers included (GitHub's comment limit is 65,536). */
  budget: number;
  /** The first line(s) of part `index` (1-based) of `total`. */
  header: (index: number, total: number) => string;
  /** Said at the end of a part when later parts follow, e.g. where to find them. */
  continued: (index: number, total: number) => string;
}

/**
 * Packs markdown blocks into as few parts as fit the budget, in order. The first block (the summary)
 * always opens part 1. A block too big for any part is cut with a note saying how much was left out,
 * so nothing disappears without a word.
 */
export function splitParts(blocks: readonly string[], options: SplitOptions): string[] {
  // Room is kept for the header and the continuation line, whose numbers are only known at the end.
  const overhead = options.header(99_999, 99_999).length + options.continued(99_998, 99_999).length + 8;
  const room = options.budget - overhead;
  if (room <= 0) throw new Error(`a budget of ${options.budget} leaves no room for content`);
  const groups: string[][] = [[]];
  let used = 0;
  for (const raw of blocks) {
    const block = raw.length > room ? truncateBlock(raw, room) : raw;
    const size = block.length + 2;
    if (used + size > room && groups.at(-1)!.length > 0) {
      groups.push([]);
      used = 0;
    }
    groups.at(-1)!.push(block);
    used += size;
  }
  const total = groups.length;
  return groups.map((group, i) => {
    const parts = [options.header(i + 1, total), ...group];
    if (i + 1 < total) parts.push(options.continued(i + 1, total));
    return parts.join("\n\n");
  });
}

/**
 * Cuts a block to `room` characters at a line boundary. Fenced blocks are closed again, and the note
 * says how many lines were left out.
 */
export function truncateBlock(block: string, room: number): string {
  const lines = block.split("\n");
  const fence = lines.find((l) => /^`{3,}/.test(l))?.match(/^`+/)?.[0];
  const tail = (omitted: number) =>
    `${fence ? `${fence}\n` : ""}\n> ✂️ ${omitted.toLocaleString("en-US")} more lines are not shown: this object's diff is larger than a GitHub comment. Run \`capstan diff\` locally to see all of it.${block.includes("<details>") ? "\n\n</details>" : ""}`;
  let length = 0;
  let kept = 0;
  const reserve = tail(lines.length).length + 1;
  while (kept < lines.length && length + lines[kept]!.length + 1 + reserve <= room) {
    length += lines[kept]!.length + 1;
    kept++;
  }
  return `${lines.slice(0, kept).join("\n")}\n${tail(lines.length - kept)}`;
}
