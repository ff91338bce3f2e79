import yaml from "js-yaml";
import { isRecord, isSecret, type KubeObject } from "../manifests/index.js";

// Shorter strings would blank out ordinary words of a message; a real secret is rarely this short.
const MIN_LENGTH = 4;

/**
 * Collects the values of every Secret in a YAML text (data, decoded and raw; stringData, raw and base64)
 * so they can be struck from a renderer's error message. Unparseable text gives nothing.
 */
export function secretValuesIn(text: string, into: Set<string>): void {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA });
  } catch {
    return;
  }
  for (const doc of docs) {
    if (!isRecord(doc) || !isSecret(doc as KubeObject)) continue;
    for (const value of Object.values(isRecord(doc.data) ? doc.data : {})) {
      addValue(into, String(value));
      addValue(into, Buffer.from(String(value), "base64").toString("utf8"));
    }
    for (const value of Object.values(isRecord(doc.stringData) ? doc.stringData : {})) {
      addValue(into, String(value));
      addValue(into, Buffer.from(String(value), "utf8").toString("base64"));
    }
  }
}

/** Adds a sensitive string (and each of its lines) to a redaction set. */
export function addValue(into: Set<string>, value: string): void {
  for (const part of [value, ...value.split("\n")]) {
    const trimmed = part.trim();
    if (trimmed.length >= MIN_LENGTH) into.add(trimmed);
  }
}

/** Replaces every sensitive string in a message with `***`, longest first so no part of one survives. */
export function redact(message: string, values: Iterable<string>): string {
  const sorted = [...values].sort((a, b) => b.length - a.length);
  let out = message;
  for (const value of sorted) out = out.replaceAll(value, "***");
  return out;
}
