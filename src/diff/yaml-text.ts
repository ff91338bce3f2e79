import yaml from "js-yaml";

// Keys a reviewer looks for first, in the order kubectl and most repositories write them; every other
// key follows alphabetically, so the same object always prints the same way.
const FIRST = [
  "apiVersion",
  "kind",
  "metadata",
  "name",
  "namespace",
  "labels",
  "annotations",
  "type",
  "spec",
  "data",
];
const RANK = new Map(FIRST.map((key, i) => [key, i]));

function compareKeys(a: string, b: string): number {
  const ra = RANK.get(a) ?? FIRST.length;
  const rb = RANK.get(b) ?? FIRST.length;
  return ra - rb || (a < b ? -1 : a > b ? 1 : 0);
}

/** Prints an object as YAML with a stable key order and no line folding, for line diffs. */
export function toYaml(value: unknown): string {
  return yaml.dump(value, { sortKeys: compareKeys, lineWidth: -1, noRefs: true, noCompatMode: true });
}
