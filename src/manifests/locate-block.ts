// A line scanner for block-style YAML (what kubectl, kustomize and helm print, and what people write).
// It finds the line of a field path in microseconds, where a full parse with positions costs a fraction of
// a millisecond per document. When it meets something it does not follow (flow collections on the path,
// anchors, complex keys, nested sequences on one line), it gives up and the caller uses the full parser.

interface Line {
  /** Column where the line's key or scalar starts, after any `- ` markers; -1 for blank or comment lines. */
  col: number;
  /** Column of the line's first `- ` marker; -1 when it has none. */
  dash: number;
  /** How many `- ` markers the line starts with. */
  dashes: number;
  /** The text from `col` on. */
  content: string;
}

const SPLIT = /^( *)((?:- +)*)(.*)$/;

function scan(text: string): Line[] {
  return text.split("\n").map((raw) => {
    const [, indent = "", dashes = "", rest = ""] = SPLIT.exec(raw) ?? [];
    const blank = dashes === "" && (rest === "" || rest.startsWith("#") || /^(---|\.\.\.)(\s|$)/.test(rest));
    if (blank) return { col: -1, dash: -1, dashes: 0, content: "" };
    return {
      col: indent.length + dashes.length,
      dash: dashes ? indent.length : -1,
      dashes: (dashes.match(/-/g) ?? []).length,
      content: rest,
    };
  });
}

function keyOf(content: string): string | undefined {
  const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[\]},](?:[^:]|:(?=\S))*?)\s*:(?:\s|$)/.exec(content);
  if (!m) return undefined;
  const raw = m[1]!;
  if (raw.startsWith('"')) return JSON.parse(raw) as string;
  if (raw.startsWith("'")) return raw.slice(1, -1).replace(/''/g, "'");
  return raw;
}

/**
 * The 0-based line of the deepest node of `path` present in a block-style YAML document: a key's line, a
 * sequence item's first line, or the document's first line for the empty path. `undefined` when the document uses a style this scanner does not follow.
 */
export function locateBlock(text: string, path: ReadonlyArray<string | number>): number | undefined {
  const lines = scanned(text);
  if (!lines) return undefined;
  let from = 0;
  let to = lines.length;
  let found = nextContent(lines, 0, lines.length);
  if (found !== undefined && /^[{[]/.test(lines[found]!.content)) return undefined; // a flow document (JSON)
  for (const segment of path) {
    const first = nextContent(lines, from, to);
    if (first === undefined) return found;
    const head = lines[first]!;
    if (head.dashes > 1) return undefined;
    if (typeof segment === "number") {
      // A sequence: items start at lines whose marker sits at the first item's column.
      if (head.dash === -1) return undefined;
      const items = [];
      for (let i = first; i < to; i++) if (lines[i]!.dash === head.dash) items.push(i);
      const at = items[segment];
      if (at === undefined) return found;
      if (lines[at]!.dashes > 1 || lines[at]!.content === "") return undefined;
      found = at;
      from = at;
      to = items[segment + 1] ?? to;
      continue;
    }
    // A map: keys are the lines at the column of its first key (for a sequence item, the column after
    // the item's marker).
    const col = head.col;
    let at: number | undefined;
    for (let i = first; i < to; i++) {
      const l = lines[i]!;
      if (l.col === col && (i === first || l.dash === -1) && keyOf(l.content) === segment) {
        at = i;
        break;
      }
    }
    if (at === undefined) return found;
    found = at;
    const value = lines[at]!.content.replace(
      /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|(?:[^:]|:(?=\S))*?)\s*:(?=\s|$)/,
      "",
    ).trim();
    if (/^[{[]/.test(value)) return path.at(-1) === segment ? at : undefined;
    // The value spans the lines below the key up to the next line at or left of it; a sequence may sit at
    // the key's own column (`containers:` then `- name:`).
    from = at + 1;
    let end = to;
    for (let i = from; i < to; i++) {
      const l = lines[i]!;
      if (l.col === -1) continue;
      if ((l.dash === -1 && l.col <= col) || (l.dash !== -1 && l.dash < col)) {
        end = i;
        break;
      }
    }
    to = end;
  }
  return found;
}

// The policy checks an object's rules one after another, so its findings come in a row: the last text's
// scan answers all but the first.
let last: { text: string; lines: Line[] | undefined } | undefined;

function scanned(text: string): Line[] | undefined {
  if (last?.text === text) return last.lines;
  // Anchors, aliases, tags, complex keys and items whose content starts on the next line.
  const unsupported =
    /(^|[\s,[{])[&*!][^\s]/.test(text) || /^\s*\? /m.test(text) || /^\s*-[ \t]*(#.*)?\r?$/m.test(text);
  last = { text, lines: unsupported ? undefined : scan(text) };
  return last.lines;
}

function nextContent(lines: Line[], from: number, to: number): number | undefined {
  for (let i = from; i < to; i++) if (lines[i]!.col !== -1) return i;
  return undefined;
}
