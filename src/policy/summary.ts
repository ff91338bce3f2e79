import type { Finding } from "./types.js";

/** Error and warning counts of a set of findings. */
export function countFindings(findings: readonly Finding[]): { errors: number; warnings: number } {
  const errors = findings.filter((f) => f.severity === "error").length;
  return { errors, warnings: findings.length - errors };
}

/** `2 errors, 1 warning`, or `passed`. */
export function summarizeFindings(findings: readonly Finding[]): string {
  const { errors, warnings } = countFindings(findings);
  const parts = [];
  if (errors > 0) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings > 0) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  return parts.length > 0 ? parts.join(", ") : "passed";
}
