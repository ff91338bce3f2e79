import { type Document, isMap, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigProblem } from "../errors.js";
import { formatPath } from "../manifests/field-path.js";
import { RULE_IDS } from "../policy/rule-ids.js";
import { type Config, configSchema } from "./schema.js";
import { closest } from "./suggest.js";
import { validateConfig } from "./validate.js";

/** Where a repository keeps its Capstan config. */
export const CONFIG_PATH = ".github/capstan.yml";

/** The largest config file Capstan reads; a config is a few kilobytes. */
export const MAX_CONFIG_BYTES = 256 * 1024;

/**
 * Parses and validates a repository config. The `yaml` parser is used (not js-yaml) because it keeps
 * the position of every key, so each problem can name its line.
 *
 * @param file the repository-relative name used in messages, e.g. `.github/capstan.yml`
 * @throws ConfigError listing every problem with its line and key path
 */
export function parseConfig(text: string, file = CONFIG_PATH): Config {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    throw new ConfigError(file, [
      { line: 1, path: "", message: `is larger than ${MAX_CONFIG_BYTES / 1024} KiB` },
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
  if (data === null || data === undefined) {
    throw new ConfigError(file, [{ line: 1, path: "", message: "is empty; it needs an environments list" }]);
  }
  const parsed = configSchema.safeParse(data);
  const locate = (path: ReadonlyArray<PropertyKey>) => lineOf(doc, lines, path);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) =>
      describeIssue(issue, locate, valueAt(data, issue.path)),
    );
    throw new ConfigError(
      file,
      problems.sort((a, b) => a.line - b.line),
    );
  }
  const semantic = validateConfig(parsed.data, RULE_IDS);
  if (semantic.length > 0) {
    throw new ConfigError(
      file,
      semantic.map((p) => ({ line: locate(p.path), path: formatPath(p.path), message: p.message })),
    );
  }
  return parsed.data;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  locate: (path: ReadonlyArray<PropertyKey>) => number,
  value: unknown,
): ConfigProblem[] {
  const path = issue.path;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        line: locate([...path, key]),
        path: formatPath([...path, key]),
        message: `unknown key${suggest(key, issue)}`,
      }));
    case "invalid_type":
      return [
        {
          line: locate(path),
          path: formatPath(path),
          message:
            value === undefined
              ? "is required"
              : `must be ${article(issue.expected)} (got ${JSON.stringify(value)}${typeof value === "number" && issue.expected === "string" ? "; quote it" : ""})`,
        },
      ];
    case "invalid_value":
      return [
        {
          line: locate(path),
          path: formatPath(path),
          message: `must be one of ${issue.values.map(String).join(", ")} (got ${JSON.stringify(value)})`,
        },
      ];
    default:
      return [{ line: locate(path), path: formatPath(path), message: issue.message }];
  }
}

// The keys a strict object accepts, to suggest the one a user probably meant ("autosync" → "autoSync").
function suggest(key: string, issue: z.core.$ZodIssueUnrecognizedKeys): string {
  const known = knownKeys(issue.path);
  const match = closest(key, known);
  return match
    ? `; did you mean "${match}"?`
    : known.length > 0
      ? `; known keys are ${known.join(", ")}`
      : "";
}

function knownKeys(path: ReadonlyArray<PropertyKey>): string[] {
  const [top, , nested] = path;
  if (path.length === 0) return Object.keys(configSchema.shape);
  if (top === "environments" && path.length === 2)
    return Object.keys(configSchema.shape.environments.element.shape);
  if (top === "environments" && nested === "helm") {
    return Object.keys(configSchema.shape.environments.element.shape.helm.unwrap().shape);
  }
  if (top === "environments" && nested === "revert") {
    return Object.keys(configSchema.shape.environments.element.shape.revert.unwrap().shape);
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
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (node && typeof node === "object" && "items" in node && Array.isArray(node.items)) {
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
