/** True for plain objects (not arrays, not null): the maps of parsed YAML. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
