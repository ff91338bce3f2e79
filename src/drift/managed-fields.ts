// Who wrote a field, read from an object's `metadata.managedFields`. Each entry names a manager (the tool:
// `kubectl-edit`, `kube-controller-manager`, `capstan`), its operation (Apply or Update), when, and through
// which subresource, and holds the fields it owns in the `FieldsV1` trie: `f:<field>` for a map key,
// `k:<json>` for a list item by its merge keys, `v:<json>` for a set member, `i:<n>` by position, and `.`
// for the node itself.
import { isRecord } from "../manifests/index.js";

/** One segment of a path into an object: a map key or a list index. */
export type PathSegment = string | number;

/** A manager's record on an object. */
export interface FieldWriter {
  manager: string;
  operation: string;
  /** When it last wrote, as the apiserver recorded it (RFC 3339). */
  time?: string;
  /** `scale`, `status`…: the manager wrote through a subresource, not the object itself. */
  subresource?: string;
}

interface Entry extends FieldWriter {
  fields: Record<string, unknown>;
}

/** The managedFields entries of a live object, as far as they are well-formed. */
export function managedEntries(object: unknown): Entry[] {
  const meta = isRecord(object) && isRecord(object.metadata) ? object.metadata : {};
  const list = Array.isArray(meta.managedFields) ? meta.managedFields : [];
  return list.filter(isRecord).flatMap((e): Entry[] =>
    typeof e.manager === "string" && isRecord(e.fieldsV1)
      ? [
          {
            manager: e.manager,
            operation: typeof e.operation === "string" ? e.operation : "",
            ...(typeof e.time === "string" ? { time: e.time } : {}),
            ...(typeof e.subresource === "string" && e.subresource ? { subresource: e.subresource } : {}),
            fields: e.fieldsV1,
          },
        ]
      : [],
  );
}

/**
 * The managers owning `path` of `object` (the field itself, or the list item or map it sits in when
 * only that is owned), most recent first.
 */
export function writersOf(object: unknown, path: readonly PathSegment[]): FieldWriter[] {
  const owners = managedEntries(object).filter((entry) => owns(entry.fields, object, path));
  return owners
    .map(({ fields: _fields, ...writer }) => writer)
    .sort((a, b) => (b.time ?? "").localeCompare(a.time ?? ""));
}

// Whether the trie owns the path or one of its ancestors (a list item owned whole owns its fields).
function owns(trie: Record<string, unknown>, object: unknown, path: readonly PathSegment[]): boolean {
  let node: unknown = trie;
  let value: unknown = object;
  for (const segment of path) {
    if (!isRecord(node)) return false;
    const key = childKey(node, value, segment);
    if (key === undefined) return false;
    node = node[key];
    value = isRecord(value) || Array.isArray(value) ? (value as Record<string, unknown>)[segment] : undefined;
    if (isRecord(node) && Object.keys(node).length === 0) return true; // a leaf: owned whole
  }
  return isRecord(node);
}

// The trie key of one step down from `value` by `segment`.
function childKey(node: Record<string, unknown>, value: unknown, segment: PathSegment): string | undefined {
  if (typeof segment === "string") return `f:${segment}` in node ? `f:${segment}` : undefined;
  const item = Array.isArray(value) ? value[segment] : undefined;
  for (const key of Object.keys(node)) {
    if (key === `i:${segment}`) return key;
    if (key.startsWith("k:") && isRecord(item)) {
      const keys = parseJson(key.slice(2));
      if (isRecord(keys) && Object.entries(keys).every(([k, v]) => sameValue(item[k], v))) return key;
    }
    if (key.startsWith("v:") && item !== undefined && sameValue(item, parseJson(key.slice(2)))) return key;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// Merge keys hold scalars: a port number written as a string in one place still names the same item.
function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));
}

/** `kubectl-edit (Update) 14:08Z`: how a writer is shown. It is a tool, never a person. */
export function formatWriter(writer: FieldWriter): string {
  const time = writer.time ? ` ${writer.time.replace(/^\d{4}-\d{2}-\d{2}T(\d{2}:\d{2}).*$/, "$1")}Z` : "";
  const via = writer.subresource ? ` via /${writer.subresource}` : "";
  return `${writer.manager} (${writer.operation}${via})${time}`;
}

/**
 * The leaf fields an entry owns, shown as paths (`spec.template.spec.containers[name=web].image`). Used for
 * what another manager added to an object.
 */
export function ownedFields(writer: { fields: Record<string, unknown> }): string[] {
  const out: string[] = [];
  const walk = (node: Record<string, unknown>, prefix: string) => {
    const keys = Object.keys(node).filter((k) => k !== ".");
    // `.` on a list item means the manager added the item: that is the field to show.
    if (keys.length === 0 || (prefix.endsWith("]") && "." in node)) {
      out.push(prefix);
      return;
    }
    for (const key of keys) {
      const child = node[key];
      const step = key.startsWith("f:")
        ? `${prefix ? "." : ""}${key.slice(2)}`
        : key.startsWith("k:")
          ? `[${Object.entries((parseJson(key.slice(2)) as Record<string, unknown>) ?? {})
              .map(([k, v]) => `${k}=${String(v)}`)
              .join(",")}]`
          : key.startsWith("v:")
            ? `[${String(parseJson(key.slice(2)))}]`
            : `[${key.slice(2)}]`;
      if (isRecord(child)) walk(child, prefix + step);
    }
  };
  walk(writer.fields, "");
  return out;
}
