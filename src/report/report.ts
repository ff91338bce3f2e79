import type { ChangeAction, EnvironmentDiff, ObjectChange } from "../diff/index.js";
import { formatImageChange } from "../diff/index.js";
import { formatRef } from "../manifests/index.js";
import { countFindings, type PolicyResult, summarizeFindings } from "../policy/index.js";
import { code, escapeHtml, fenced } from "./markdown-text.js";
import { splitParts } from "./split.js";

/** One environment's result, as the report shows it. */
export interface EnvironmentReport {
  name: string;
  /** The renderer that ran, when one did. */
  renderer?: string;
  /** The diff, absent when rendering failed. */
  diff?: EnvironmentDiff;
  /** Why the environment could not be previewed (render or config error); Secret-free by construction. */
  error?: string;
  /** The policy checks of the head, when they ran. */
  policy?: PolicyResult;
  /** Objects a cluster refused in a live diff, one message each (named after the object). */
  refused?: string[];
  /** What a reviewer must see before merging (the target has drifted), shown under the heading. */
  warnings?: string[];
  notices: string[];
  /** No file the environment's render reads changed, nor its config: it was not rendered. */
  unaffected?: boolean;
}

/** Everything a report is built from. */
export interface ReportInput {
  environments: EnvironmentReport[];
  /** A line under the title, e.g. the compared revisions or a fork warning. */
  subtitle?: string;
  /** Environments in the base's config that the head's config no longer has. */
  removedEnvironments?: string[];
  /** Environments not rendered because nothing they read changed, besides any in `environments`. */
  unaffected?: number;
}

/** Options for {@link renderReport}. */
export interface ReportOptions {
  /** Most characters per part; GitHub refuses comments over 65,536. */
  budget: number;
  /** Prepended to every part, e.g. the sticky comment's hidden marker; a function gets the 1-based part. */
  prefix: string | ((index: number) => string);
}

/** Defaults for {@link ReportOptions}. */
export function defaultReportOptions(): ReportOptions {
  return { budget: 65_536, prefix: "" };
}

const SYMBOL: Record<ChangeAction, string> = { added: "+", changed: "~", removed: "−" };
const TITLE = "### Capstan preview";

/**
 * Renders the markdown a reviewer reads: a summary table of every environment, then per environment the
 * image changes, the notices and a collapsible diff per object. The result is split into numbered parts
 * that each fit the budget; the summary always opens the first part.
 */
export function renderReport(input: ReportInput, options: ReportOptions = defaultReportOptions()): string[] {
  const skipped = input.environments.filter((e) => e.unaffected).length + (input.unaffected ?? 0);
  const shown = {
    ...input,
    environments: input.environments.filter((e) => !e.unaffected),
    unaffected: skipped,
  };
  const blocks = [...summaryBlocks(shown), ...shown.environments.flatMap(environmentBlocks)];
  return splitParts(blocks, {
    budget: options.budget,
    header: (i, n) =>
      `${typeof options.prefix === "string" ? options.prefix : options.prefix(i)}${TITLE}${n > 1 ? ` (part ${i} of ${n})` : ""}`,
    continued: (i, n) =>
      `> 📄 This report continues in part ${i + 1} of ${n}${i === 1 ? ", in the next comment" : ""}.`,
  }).map((part) => part.trimEnd());
}

// The summary table, in blocks of at most SUMMARY_BLOCK characters (each repeating the table header), so
// even a repository with thousands of environments keeps every row.
const SUMMARY_BLOCK = 30_000;
const TABLE_HEADER =
  "| Environment | Renderer | Added | Changed | Removed | Unchanged | Policy |\n|---|---|--:|--:|--:|--:|---|";

function summaryBlocks(input: ReportInput): string[] {
  const intro: string[] = [];
  if (input.subtitle) intro.push(input.subtitle);
  for (const name of input.removedEnvironments ?? []) {
    intro.push(
      `⚠️ ${code(name)} is no longer in \`.github/capstan.yml\`: Capstan stops syncing it, and its objects stay in the cluster until they are deleted by hand.`,
    );
  }
  if (input.unaffected) {
    intro.push(
      `${input.unaffected} environment${input.unaffected === 1 ? " was" : "s were"} not rendered: no file ${input.unaffected === 1 ? "its" : "their"} render reads changed, nor ${input.unaffected === 1 ? "its" : "their"} settings.`,
    );
  }
  if (input.environments.length === 0) {
    intro.push("No environment is affected by this change.");
    return [intro.join("\n\n")];
  }
  const lead = intro.length > 0 ? `${intro.join("\n\n")}\n` : undefined;
  return tableBlocks(lead, TABLE_HEADER, input.environments.map(summaryRow));
}

// A table cut into blocks of at most SUMMARY_BLOCK characters, each repeating the header, so a long
// table fits the comment budget without losing a row. `lead` opens the first block.
function tableBlocks(lead: string | undefined, header: string, rows: readonly string[]): string[] {
  const blocks: string[] = [];
  let current = [...(lead === undefined ? [] : [lead]), header];
  let size = current.join("\n").length;
  for (const row of rows) {
    if (size + row.length + 1 > SUMMARY_BLOCK) {
      blocks.push(current.join("\n"));
      current = [header];
      size = header.length;
    }
    current.push(row);
    size += row.length + 1;
  }
  blocks.push(current.join("\n"));
  return blocks;
}

function summaryRow(env: EnvironmentReport): string {
  const renderer = env.renderer ?? "—";
  const policy = policyCell(env.policy);
  if (!env.diff) return `| ${code(env.name)} | ${renderer} | ⚠️ not rendered: see below | | | | ${policy} |`;
  const count = (action: ChangeAction) => env.diff!.changes.filter((c) => c.action === action).length;
  return `| ${code(env.name)} | ${renderer} | +${count("added")} | ~${count("changed")} | −${count("removed")} | ${env.diff.unchanged} | ${policy} |`;
}

function policyCell(policy: PolicyResult | undefined): string {
  if (!policy) return "—";
  const { errors, warnings } = countFindings(policy.findings);
  const icon = errors > 0 ? "❌" : warnings > 0 ? "⚠️" : "✅";
  return `${icon} ${summarizeFindings(policy.findings)}`;
}

function environmentBlocks(env: EnvironmentReport): string[] {
  const head = [`#### ${code(env.name)}`];
  for (const warning of env.warnings ?? []) head.push("", `> ⚠️ ${warning}`);
  if (env.error) head.push("", `❌ **Could not render this environment.**`, "", fenced(env.error));
  if (env.refused && env.refused.length > 0) {
    head.push(
      "",
      `❌ **The cluster refused ${env.refused.length} object${env.refused.length === 1 ? "" : "s"}:**`,
      "",
      fenced(env.refused.join("\n")),
    );
  }
  const images = env.diff?.changes.flatMap((c) =>
    c.images.map((i) => `- ${code(formatRef(c.ref))} (${code(i.container)}): ${code(formatImageChange(i))}`),
  );
  if (images && images.length > 0) head.push("", "**Images**", "", ...images);
  const churn = env.diff?.churn;
  if (churn) {
    const labels = churn.labels.map((c) => code(`${c.label}: ${c.from} → ${c.to}`)).join(", ");
    const only =
      churn.objects > 0
        ? ` ${churn.objects} object${churn.objects === 1 ? "" : "s"} changed by nothing else and count${churn.objects === 1 ? "s" : ""} as unchanged.`
        : "";
    head.push("", `ℹ️ Release-wide label changes, left out of the diffs below: ${labels}.${only}`);
  }
  if (env.diff && env.diff.changes.length === 0) head.push("", churn ? "No other changes." : "No changes.");
  if (env.diff?.changes.some((c) => c.renamedFrom || c.note)) {
    head.push(
      "",
      "ℹ️ kustomize names generated ConfigMaps and Secrets after a hash of their content: a renamed one is shown as one changed object, and objects that changed only by referring to the new name say so in one line.",
    );
  }

  if (env.notices.length > 0) {
    head.push(
      "",
      `<details><summary>${env.notices.length} notice${env.notices.length === 1 ? "" : "s"}</summary>`,
      "",
      ...env.notices.map((n) => `- ${code(n)}`),
      "",
      "</details>",
    );
  }
  return [head.join("\n"), ...policyBlocks(env.policy), ...(env.diff?.changes.map(changeBlock) ?? [])];
}

const SEVERITY_ICON = { error: "❌", warning: "⚠️" } as const;
const FINDINGS_HEADER = "| | Rule | Object | Where | Finding |\n|---|---|---|---|---|";

// Findings as tables of at most SUMMARY_BLOCK characters each, then exemptions, notices and fix hints.
function policyBlocks(policy: PolicyResult | undefined): string[] {
  if (!policy) return [];
  const title = `**Policy: ${summarizeFindings(policy.findings)}**`;
  const rows = policy.findings.map(
    (f) =>
      `| ${SEVERITY_ICON[f.severity]} | ${code(f.rule)} | ${code(formatRef(f.ref))} | ${code(`${f.file}:${f.line}`)} | ${escapeCell(f.message)} |`,
  );
  const blocks = rows.length > 0 ? tableBlocks(`${title}\n`, FINDINGS_HEADER, rows) : [title];
  const extra: string[] = [];
  if (policy.exemptions.length > 0) {
    extra.push(
      `Exempted by \`capstan.dev/skip-policies\`: ${policy.exemptions.map((e) => `${code(e.rule)} on ${code(formatRef(e.ref))} (${code(`${e.file}:${e.line}`)})`).join(", ")}`,
    );
  }
  for (const notice of policy.notices) extra.push(`ℹ️ ${escapeCell(notice)}`);
  const rules = [...new Map(policy.findings.map((f) => [f.rule, f.hint])).entries()];
  if (rules.length > 0) {
    extra.push(
      [
        "<details><summary>How to fix</summary>",
        "",
        ...rules.map(([rule, hint]) => `- ${code(rule)}: ${escapeCell(hint)}`),
        "",
        "</details>",
      ].join("\n"),
    );
  }
  if (extra.length > 0) blocks.push(extra.join("\n\n"));
  return blocks;
}

// Table cells end at a pipe or a newline; messages come from objects in the PR, so both are neutralized.
function escapeCell(text: string): string {
  return escapeHtml(text).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function changeBlock(change: ObjectChange): string {
  const title = `${SYMBOL[change.action]} ${formatRef(change.ref)}`;
  // Objects that only live in a cluster (to be pruned) have a place but no line.
  const where = change.source.line > 0 ? `${change.source.file}:${change.source.line}` : change.source.file;
  if (change.note)
    return `- <code>${escapeHtml(title)}</code> ${change.action} · ${escapeHtml(where)}: ${escapeHtml(change.note)}`;
  const renamed = change.renamedFrom
    ? ` (renamed from ${escapeHtml(change.renamedFrom)}: its content hash)`
    : "";
  return [
    `<details><summary><code>${escapeHtml(title)}</code> ${change.action}${renamed} · ${escapeHtml(where)}</summary>`,
    "",
    fenced(change.diff, "diff"),
    "",
    "</details>",
  ].join("\n");
}
