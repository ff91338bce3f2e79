import { type Document, isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigProblem } from "../errors.js";
import { formatPath } from "../manifests/field-path.js";
import { closest } from "./suggest.js";

/** A problem found after schema validation, located by its key path. */
export interface SemanticProblem {
  path: Array<string | number>;
  message: string;
}

/** Options for {@link parseYamlConfig}. */
export interface YamlConfigOptions<T> {
  /** Checks the schema cannot express; each problem is reported at its key's line. */
  semantic?: (data: T) => SemanticProblem[];
  /** Said when the file is empty. */
  emptyMessage: string;
  maxBytes: number;
}

/**
 * Parses a YAML config file against a zod schema and reports every problem with its line and key path, in
 * words a user can act on: unknown keys with the key they probably meant, missing keys, wrong types with
 * the value given, and values outside an enum with the allowed ones. The `yaml` parser is used (not
 * js-yaml) because it keeps the position of every key.
 *
 * @throws ConfigError listing every problem, sorted by line
 */
export function parseYamlConfig<S extends z.ZodType>(
  text: string,
  file: string,
  schema: S,
  options: YamlConfigOptions<z.output<S>>,
): z.output<S> {
  if (Buffer.byteLength(text) > options.maxBytes) {
    throw new ConfigError(file, [
      { line: 1, path: "", message: `is larger than ${options.maxBytes / 1024} KiB` },
    ]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        line: e.linePos?.[0].line ?? 1,
        path: "",
        message: `invalid YAML: ${e.message.replace(/ at line \d+, column \d+.*$/s, "")}`,
      })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    throw new ConfigError(file, [
      { line: 1, path: "", message: `cannot be read: ${(err as Error).message}` },
    ]);
  }
  if (data === null || data === undefined)
    throw new ConfigError(file, [{ line: 1, path: "", message: options.emptyMessage }]);
  const locate = (path: ReadonlyArray<PropertyKey>) => lineOf(doc, lines, path);
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) =>
      describeIssue(schema, issue, locate, valueAt(data, issue.path)),
    );
    throw new ConfigError(
      file,
      problems.sort((a, b) => a.line - b.line),
    );
  }
  const semantic = options.semantic?.(parsed.data) ?? [];
  if (semantic.length > 0) {
    throw new ConfigError(
      file,
      semantic.map((p) => ({ line: locate(p.path), path: formatPath(p.path), message: p.message })),
    );
  }
  return parsed.data;
}

function describeIssue(
  schema: z.ZodType,
  issue: z.core.$ZodIssue,
  locate: (path: ReadonlyArray<PropertyKey>) => number,
  value: unknown,
): ConfigProblem[] {
  const path = issue.path;
  const at = (message: string, p = path): ConfigProblem => ({
    line: locate(p),
    path: formatPath(p),
    message,
  });
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => at(`unknown key${suggest(key, keysAt(schema, path))}`, [...path, key]));
    case "invalid_type": {
      if (value === undefined) return [at("is required")];
      const quote = typeof value === "number" && issue.expected === "string" ? "; quote it" : "";
      return [at(`must be ${article(issue.expected)} (got ${JSON.stringify(value)}${quote})`)];
    }
    case "invalid_key":
      return [at(issue.issues[0]?.message ?? issue.message)];
    case "invalid_value":
      return [at(`must be one of ${issue.values.map(String).join(", ")} (got ${JSON.stringify(value)})`)];
    default:
      return [at(issue.message)];
  }
}

// "autosync" → "autoSync": the key a user probably meant, among those the object at `path` accepts.
function suggest(key: string, known: string[]): string {
  const match = closest(key, known);
  if (match) return `; did you mean "${match}"?`;
  return known.length > 0 ? `; known keys are ${known.join(", ")}` : "";
}

// The keys of the object schema at a data path, walking through arrays, records, optionals and defaults.
function keysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let node: z.core.$ZodType | undefined = schema;
  const steps = [...path];
  while (node) {
    const def = node._zod.def as {
      type: string;
      innerType?: z.core.$ZodType;
      element?: z.core.$ZodType;
      valueType?: z.core.$ZodType;
      shape?: Record<string, z.core.$ZodType>;
    };
    if (def.innerType) {
      node = def.innerType;
      continue;
    }
    if (steps.length === 0) return def.type === "object" ? Object.keys(def.shape ?? {}) : [];
    const step = steps.shift()!;
    node =
      def.type === "object"
        ? def.shape?.[String(step)]
        : def.type === "array"
          ? def.element
          : def.type === "record"
            ? def.valueType
            : undefined;
  }
  return [];
}

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let node = data;
  for (const key of path)
    node = node && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined;
  return node;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

// The line of the deepest node of `path` that exists: the key itself, or its parent when it is missing.
function lineOf(doc: Document, lines: LineCounter, path: ReadonlyArray<PropertyKey>): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number] } | null)?.range?.[0] ?? 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => String((p.key as { value?: unknown } | null)?.value) === String(key),
      );
      if (!pair) break;
      offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[key as number] as { range?: [number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return lines.linePos(offset).line;
}
