import { errorMessage } from "../errors.js";
import { formatRef, locateField, type Manifest } from "../manifests/index.js";
import { RULE_IDS } from "./rule-ids.js";
import { RULES } from "./rules/index.js";
import type { ResolvedPolicy } from "./settings.js";
import type { Exemption, Finding, FindingSeverity, PolicyResult, Rule } from "./types.js";

/** The per-object annotation that opts out of rules: `capstan.dev/skip-policies: image-tag,resources`. */
export const SKIP_ANNOTATION = "capstan.dev/skip-policies";

/**
 * Runs every enabled rule over an environment's rendered objects. Findings point at the offending field's
 * line; objects that opt out of a rule through {@link SKIP_ANNOTATION} are listed as exemptions, so an
 * opt-out is always visible. A rule that throws on a malformed object becomes an error finding for that
 * object; it never stops the others.
 */
export function runPolicy(
  manifests: readonly Manifest[],
  policy: ResolvedPolicy,
  rules: readonly Rule[] = RULES,
): PolicyResult {
  const findings: Finding[] = [];
  const exemptions: Exemption[] = [];
  const notices = new Set<string>();
  const settings = { ...policy.settings, objects: manifests };
  const known = new Set(rules.map((r) => r.id));
  for (const manifest of manifests) {
    const skipped = skippedRules(manifest);
    for (const id of skipped) {
      if (!known.has(id) && !RULE_IDS.includes(id)) {
        notices.add(
          `${formatRef(manifest.ref)}: ${SKIP_ANNOTATION} names "${id}", which is not a rule; the rules are ${RULE_IDS.join(", ")}`,
        );
      }
    }
    for (const rule of rules) {
      const severity = policy.severities.get(rule.id) ?? rule.defaultSeverity;
      if (severity === "off") continue;
      if (skipped.has(rule.id)) {
        exemptions.push({
          rule: rule.id,
          ref: manifest.ref,
          file: manifest.source.file,
          line: annotationLine(manifest),
        });
        continue;
      }
      let violations: ReturnType<Rule["check"]>;
      let crashed = false;
      try {
        violations = rule.check(manifest.object, settings);
      } catch (err) {
        crashed = true;
        violations = [{ message: `could not be checked: ${errorMessage(err)}` }];
      }
      for (const v of violations) {
        if (v.notice) {
          notices.add(v.message);
          continue;
        }
        findings.push({
          rule: rule.id,
          // An object a rule cannot read is an error: it cannot be vouched for. A severity set in the config
          // applies to all of a rule's findings; otherwise a finding keeps the severity the rule gives it
          // (a deprecated API warns, a removed one is an error).
          severity: crashed
            ? "error"
            : policy.configured.has(rule.id)
              ? (severity as FindingSeverity)
              : (v.severity ?? rule.defaultSeverity),
          message: v.message,
          hint: rule.hint,
          ref: manifest.ref,
          file: manifest.source.file,
          line: v.path ? locateField(manifest, v.path) : manifest.source.line,
        });
      }
    }
  }
  findings.sort((a, b) => rank(a) - rank(b) || a.file.localeCompare(b.file) || a.line - b.line);
  return { findings, exemptions, notices: [...notices] };
}

function rank(f: Finding): number {
  return f.severity === "error" ? 0 : 1;
}

function skippedRules(manifest: Manifest): Set<string> {
  const value = manifest.object.metadata?.annotations?.[SKIP_ANNOTATION];
  if (typeof value !== "string") return new Set();
  return new Set(
    value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

function annotationLine(manifest: Manifest): number {
  return locateField(manifest, ["metadata", "annotations", SKIP_ANNOTATION]);
}
