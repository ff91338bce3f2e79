import yaml from "js-yaml";
import { errorMessage, ManifestError, type SourcePosition } from "../errors.js";
import { blockListItems } from "./list-items.js";
import { isRecord } from "./record.js";
import type { DocumentOrigin, KubeObject, ParsedDocument } from "./types.js";
import { KUBERNETES_YAML, safeReason } from "./yaml-schema.js";

/** Options for {@link parseDocuments}. */
export interface ParseOptions {
  /**
   * The most nodes one document may expand to through YAML aliases. Billion-laughs documents are tiny on
   * disk and expand exponentially; anything past this is refused before it is walked.
   */
  maxExpandedNodes: number;
  /**
   * What all documents of one render may expand to through aliases, together: thousands of documents
   * each just under `maxExpandedNodes` would otherwise be walked in full. Shared by every file of a
   * render through `budget`.
   */
  maxRenderNodes: number;
  /** The nodes this render may still expand to; set by the renderer, one per render. */
  budget?: { remaining: number };
}

/** Defaults for {@link ParseOptions}. */
export function defaultParseOptions(): ParseOptions {
  return { maxExpandedNodes: 1_000_000, maxRenderNodes: 2_000_000 };
}

/** What a file held: Kubernetes objects, and notices about documents that were not objects. */
export interface ParseResult {
  documents: ParsedDocument[];
  notices: string[];
}

// A document marker is `---` at the start of a line followed by whitespace or the end of the line.
// YAML forbids it inside block scalars, so splitting on it is exact and lets each document keep its line.
const DOCUMENT_MARKER = /^---(?:[ \t]|$)/gm;

/**
 * Parses a multi-document YAML (or JSON) text into Kubernetes objects, each with its file and the line
 * of its first key. Empty documents are skipped; documents without apiVersion and kind give a notice;
 * `List` kinds are flattened into their items.
 *
 * @throws ManifestError for malformed YAML (with file:line), alias bombs and malformed objects.
 */
export function parseDocuments(text: string, file: string, options = defaultParseOptions()): ParseResult {
  const result: ParseResult = { documents: [], notices: [] };
  for (const chunk of splitDocuments(text)) {
    const value = loadChunk(chunk.text, file, chunk.line);
    if (value === null || value === undefined) continue;
    const line = firstContentLine(chunk.text, chunk.line);
    // Only an alias (`*name`) can make a document expand; most documents have none.
    if (chunk.text.includes("*")) {
      const size = checkExpansion(value, options.maxExpandedNodes, { file, line });
      if (options.budget) options.budget.remaining -= size;
      if (options.budget && options.budget.remaining < 0) {
        throw new ManifestError(
          `the environment's documents expand past ${options.maxRenderNodes.toLocaleString("en-US")} nodes in all through YAML aliases; refused as a resource-exhaustion attack`,
          { file, line },
        );
      }
    }
    collect(value, { file, line }, { text: chunk.text, line: chunk.line, prefix: [] }, result);
  }
  return result;
}

interface Chunk {
  text: string;
  /** 1-based line of the chunk's first line in the file. */
  line: number;
}

function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  const markers = new RegExp(DOCUMENT_MARKER);
  let start = 0;
  let line = 1;
  for (let match = markers.exec(text); match !== null; match = markers.exec(text)) {
    if (match.index === 0) continue;
    chunks.push({ text: text.slice(start, match.index), line });
    line += countLines(text, start, match.index);
    start = match.index;
  }
  chunks.push({ text: text.slice(start), line });
  // Directives (`%YAML 1.2`) belong to the document after the next marker: keep them together.
  for (let i = chunks.length - 2; i >= 0; i--) {
    if (
      /^\s*%/m.test(chunks[i]!.text) &&
      chunks[i]!.text.split("\n").every((l) => /^\s*(%.*|#.*)?$/.test(l))
    ) {
      chunks[i + 1] = { text: chunks[i]!.text + chunks[i + 1]!.text, line: chunks[i]!.line };
      chunks.splice(i, 1);
    }
  }
  return chunks;
}

function countLines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf("\n", from); i !== -1 && i < to; i = text.indexOf("\n", i + 1)) count++;
  return count;
}

function loadChunk(text: string, file: string, firstLine: number): unknown {
  try {
    return yaml.load(text, { filename: file, schema: KUBERNETES_YAML });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      // The reason only: js-yaml's snippet would quote the file, and the file may be a Secret.
      const line = firstLine + (err.mark?.line ?? 0);
      throw new ManifestError(`malformed YAML: ${safeReason(err)}`, { file, line });
    }
    // Deeply nested input overflows the parser's recursion.
    throw new ManifestError(`cannot parse: ${errorMessage(err)}`, { file, line: firstLine });
  }
}

function firstContentLine(text: string, firstLine: number): number {
  let line = firstLine;
  for (let start = 0; start < text.length; line++) {
    const end = text.indexOf("\n", start);
    const l = text.slice(start, end === -1 ? text.length : end).trim();
    if (l !== "" && !l.startsWith("#") && !l.startsWith("---") && !l.startsWith("%")) return line;
    if (end === -1) break;
    start = end + 1;
  }
  return firstLine;
}

/**
 * Refuses documents whose aliases expand past the limit, counting shared nodes once per reference.
 *
 * @returns how many nodes the document expands to
 */
function checkExpansion(root: unknown, limit: number, at: SourcePosition): number {
  const sizes = new Map<object, number>();
  const size = (node: unknown): number => {
    if (node === null || typeof node !== "object") return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    sizes.set(node, Number.POSITIVE_INFINITY); // a cycle counts as unbounded
    let total = 1;
    for (const child of Object.values(node)) {
      total += size(child);
      if (total > limit) break;
    }
    sizes.set(node, total);
    return total;
  };
  const total = size(root);
  if (total > limit) {
    throw new ManifestError(
      `document expands past ${limit.toLocaleString("en-US")} nodes through YAML aliases; refused as a resource-exhaustion attack`,
      at,
    );
  }
  return total;
}

function collect(value: unknown, source: SourcePosition, origin: DocumentOrigin, into: ParseResult): void {
  if (!isRecord(value) || (!("apiVersion" in value) && !("kind" in value))) {
    into.notices.push(
      `${source.file}:${source.line}: not a Kubernetes object (no apiVersion and kind); ignored`,
    );
    return;
  }
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== "string" || apiVersion === "" || typeof kind !== "string" || kind === "") {
    throw new ManifestError("apiVersion and kind must both be non-empty strings", source);
  }
  if (kind === "List" || (kind.endsWith("List") && Array.isArray(value.items))) {
    const items = value.items;
    if (!Array.isArray(items)) throw new ManifestError(`${kind} has no items array`, source);
    // Each item located within its own text where the List is plain block YAML; otherwise all items
    // share one parse of the whole document.
    const slices = origin.prefix.length === 0 ? blockListItems(origin.text, items.length) : undefined;
    const shared = origin.shared ?? {};
    for (const [i, item] of items.entries()) {
      const slice = slices?.[i];
      collect(
        item,
        slice ? { file: source.file, line: origin.line + slice.line } : source,
        slice
          ? { text: slice.text, line: origin.line + slice.line, prefix: [] }
          : { ...origin, shared, prefix: [...origin.prefix, "items", i] },
        into,
      );
    }
    return;
  }
  const metadata = value.metadata;
  if (!isRecord(metadata)) throw new ManifestError(`${kind} has no metadata`, source);
  if (typeof metadata.name !== "string" || metadata.name === "") {
    const hint =
      typeof metadata.generateName === "string" ? " (generateName is not supported in GitOps)" : "";
    throw new ManifestError(`${kind} has no metadata.name${hint}`, source);
  }
  if (metadata.namespace !== undefined && typeof metadata.namespace !== "string") {
    throw new ManifestError(`${kind}/${metadata.name} has a metadata.namespace that is not a string`, source);
  }
  into.documents.push({ object: value as KubeObject, source, origin });
}
