import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { locateBlock } from "./locate-block.js";
import type { Manifest } from "./types.js";

// One parse per document, however many findings point into it.
const cache = new WeakMap<object, { doc: ReturnType<typeof parseDocument>; lines: LineCounter }>();

/**
 * The 1-based line of a field of an object in its source file, e.g. `["spec", "template", "spec",
 * "containers", 0, "image"]`. Where the field is missing (a finding about an absent field), the line of
 * its deepest present parent; where the object has no origin, the line of its document.
 *
 * A line scanner answers for block-style YAML; other documents are parsed with the `yaml` parser, which
 * keeps positions. Either runs only for objects that have a finding.
 */
export function locateField(manifest: Manifest, path: ReadonlyArray<string | number>): number {
  const origin = manifest.origin;
  if (!origin) return manifest.source.line;
  // The scanner reads the whole document on every call: fine for one object, quadratic for a List of
  // thousands, whose one cached parse answers each item in a few steps.
  if (origin.prefix.length === 0) {
    const fast = locateBlock(origin.text, path);
    if (fast !== undefined) return origin.line + fast;
  }
  return locateParsed(manifest, path);
}

/** {@link locateField} with the full parser only (exported for tests that compare the two). */
export function locateParsed(manifest: Manifest, path: ReadonlyArray<string | number>): number {
  const origin = manifest.origin;
  if (!origin) return manifest.source.line;
  const key = origin.shared ?? origin;
  let parsed = cache.get(key);
  if (!parsed) {
    const lines = new LineCounter();
    parsed = { doc: parseDocument(origin.text, { lineCounter: lines }), lines };
    cache.set(key, parsed);
  }
  let node: unknown = parsed.doc.contents;
  // The object itself is where its document's content starts.
  let offset = origin.prefix.length === 0 ? (node as { range?: [number] } | null)?.range?.[0] : undefined;
  for (const key of [...origin.prefix, ...path]) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => String((p.key as { value?: unknown } | null)?.value) === String(key),
      );
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      const item = node.items[key] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  if (offset === undefined) return manifest.source.line;
  return origin.line + parsed.lines.linePos(offset).line - 1;
}
