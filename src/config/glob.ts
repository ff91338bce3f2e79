/**
 * Whether `value` matches a pattern in which `*` stands for any run of characters (none included) and
 * everything else is literal: `team-*`, `release/*`, `*`. Enough for namespace and branch bounds, with
 * none of the surprises of full glob syntax in a security setting.
 */
export function matchesGlob(value: string, pattern: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return value === pattern;
  const first = parts[0]!;
  const last = parts.at(-1)!;
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last))
    return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found === -1 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/** Whether `value` matches any of `patterns`. */
export function matchesAny(value: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => matchesGlob(value, p));
}
