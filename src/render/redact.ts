import yaml from "js-yaml";
import { isRecord, isSecretLike, SECRET_SHOWN_FIELDS } from "../manifests/index.js";

// Shorter strings would blank out ordinary words of a message; a real secret is rarely this short.
const MIN_LENGTH = 4;

/**
 * The most values walked in one text. Aliases let a few lines name millions of values (a Secret whose
 * values alias nested arrays); each distinct node is walked once, and a text past this budget is treated
 * as unreadable, so every line of its Secret documents is struck instead.
 */
const MAX_NODES = 1_000_000;

// One walk state per redaction set, which is one per render: the budget and the nodes already walked are
// shared by every document and file, so many Secret documents aliasing one big anchor cost it once.
const walks = new WeakMap<Set<string>, { remaining: number; seen: Set<object> }>();
function walkOf(into: Set<string>) {
  let walk = walks.get(into);
  if (!walk) {
    walk = { remaining: MAX_NODES, seen: new Set() };
    walks.set(into, walk);
  }
  return walk;
}

// A document that names a Secret in any spelling: `kind: Secret`, `kind: "secret"`, `{kind: SECRET}`,
// `kind: !!str Secret`, `kind: &k Secret`, or a JSON escape in the word (`"Secr\u0065t"`).
const SECRET_KIND =
  /(?:^|[\s{,])["']?kind["']?\s*:\s*(?:(?:!\S*|&\S+)\s+)*["']?(?:secret|[^"'\s,}]*\\u00[0-9a-f]{2}[^"'\s,}]*)["']?\s*(?:[,}#]|$)/im;

/**
 * Collects the values of every Secret-like document in a YAML text (any kind spelled `Secret`, any
 * apiVersion): each scalar under every field but `apiVersion`, `kind`, `metadata`, `type` and
 * `immutable`, as written, base64-decoded and base64-encoded, so they can be struck from a renderer's
 * error message. A document that cannot be parsed (or expands past the budget) but names a Secret gives
 * every one of its lines instead: redaction must not depend on the text being valid.
 */
export function secretValuesIn(text: string, into: Set<string>): void {
  for (const doc of text.split(/^---[^\n]*$/m)) {
    if (!SECRET_KIND.test(doc)) continue;
    let parsed: unknown;
    try {
      parsed = yaml.load(doc, { schema: yaml.CORE_SCHEMA });
    } catch {
      sensitiveLines(doc, into);
      continue;
    }
    if (!collectSecrets(parsed, into)) sensitiveLines(doc, into);
  }
}

// Adds the values of every Secret-like mapping found in a parsed document (itself, a List's items, a
// patch's target); false when the budget ran out.
function collectSecrets(root: unknown, into: Set<string>): boolean {
  let complete = true;
  const walked = walkNodes(root, into, (node) => {
    if (!isRecord(node) || !isSecretLike(node)) return true;
    const fields = Object.entries(node).filter(([key]) => !SECRET_SHOWN_FIELDS.has(key));
    complete &&= collectValues(Object.fromEntries(fields), into);
    return false;
  });
  return walked && complete;
}

/**
 * Walks the nodes below `root` once each, within the render's budget (shared through `into`): `enter` is
 * called for every object and says whether to descend into it, `leaf` for every scalar. False when the
 * budget ran out.
 */
function walkNodes(
  root: unknown,
  into: Set<string>,
  enter: (node: object) => boolean,
  leaf?: (value: unknown) => void,
): boolean {
  const walk = walkOf(into);
  const stack = [root];
  while (stack.length > 0) {
    if (--walk.remaining < 0) return false;
    const node = stack.pop();
    if (node === null || node === undefined) continue;
    if (typeof node !== "object") {
      leaf?.(node);
      continue;
    }
    if (walk.seen.has(node)) continue;
    walk.seen.add(node);
    if (enter(node)) pushChildren(stack, node);
  }
  return true;
}

// Pushes one by one: a spread of hundreds of thousands of elements overflows the call stack.
function pushChildren(stack: unknown[], node: object): void {
  for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push(child);
}

/**
 * Collects every scalar of a YAML text whatever its kind: helm values files carry a chart's passwords
 * under keys of the chart's own choosing. A text that cannot be parsed gives every line.
 */
export function allValuesIn(text: string, into: Set<string>): void {
  let parsed: unknown[];
  try {
    parsed = yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA });
  } catch {
    sensitiveLines(text, into);
    return;
  }
  if (!collectValues(parsed, into)) sensitiveLines(text, into);
}

/**
 * Strikes every line of a text, and what follows a `key:` or `key=` on it: for patches and generator
 * inputs that target a Secret, whose values cannot be told from their keys.
 */
export function sensitiveLines(text: string, into: Set<string>): void {
  for (const line of text.split("\n")) {
    const bare = line.replace(/^\s*-\s+/, "");
    // What a Secret shows anyway; striking it would only blank out the message.
    if (/^\s*["']?(?:apiVersion|kind|metadata)["']?\s*:/.test(bare)) continue;
    addValue(into, bare);
    addValue(into, bare.replace(/^[^:=]*[:=]\s*/, "").replace(/^["']|["']$/g, ""));
  }
}

// Adds every scalar below `root` (as written, base64-decoded and base64-encoded); false when the budget
// ran out.
function collectValues(root: unknown, into: Set<string>): boolean {
  return walkNodes(
    root,
    into,
    () => true,
    (node) => {
      const value = String(node);
      addValue(into, value);
      addValue(into, Buffer.from(value, "base64").toString("utf8"));
      addValue(into, Buffer.from(value, "utf8").toString("base64"));
    },
  );
}

/**
 * Adds a sensitive string (and each of its lines) to a redaction set, also as it reads inside a quoted
 * string: kustomize quotes its configs Go-style, so `pa"ss` appears as `pa\"ss`.
 */
export function addValue(into: Set<string>, value: string): void {
  for (const part of [value, ...value.split("\n")]) {
    const trimmed = part.trim();
    if (trimmed.length < MIN_LENGTH) continue;
    into.add(trimmed);
    into.add(JSON.stringify(trimmed).slice(1, -1));
  }
}

/** Replaces every sensitive string in a message with `***`, longest first so no part of one survives. */
export function redact(message: string, values: Iterable<string>): string {
  const sorted = [...values].sort((a, b) => b.length - a.length);
  let out = message;
  for (const value of sorted) out = out.replaceAll(value, "***");
  return out;
}
