import { formatRef } from "../manifests/index.js";
import { code } from "./markdown-text.js";
import type { EnvironmentReport } from "./report.js";

/** The most comments one report is posted as; the rest is named, not shown. */
export const MAX_COMMENT_PARTS = 10;

/**
 * Caps a report at `max` comment parts, so that no PR (a fork's, with a render of millions of lines) can
 * spend the app's write budget on comments. When there are more, the last part kept is replaced by an index:
 * every changed object by name (as many as fit), with a pointer to the `capstan/diff` check run and to
 * `capstan diff` for the full text.
 *
 * @param header what opens the index part (the part's marker and title)
 */
export function capParts(
  parts: readonly string[],
  environments: readonly EnvironmentReport[],
  header: string,
  options: { max: number; budget: number; command: string } = {
    max: MAX_COMMENT_PARTS,
    budget: 65_536,
    command: "capstan diff",
  },
): string[] {
  if (parts.length <= options.max) return [...parts];
  const kept = parts.slice(0, options.max - 1);
  const lines = [
    header,
    "",
    `> ✂️ This report has ${parts.length} parts; Capstan posts at most ${options.max}. Parts ${options.max}–${parts.length} are not posted: the \`capstan/diff\` check run holds as much of the text as GitHub allows, and \`${options.command}\` prints all of it locally. Every changed object, by name:`,
    "",
  ];
  let used = lines.join("\n").length;
  const names = environments.flatMap((env) =>
    (env.diff?.changes ?? []).map((c) => `- ${code(env.name)}: ${c.action} ${code(formatRef(c.ref))}`),
  );
  let shown = 0;
  for (const name of names) {
    // Room for the closing line.
    if (used + name.length + 1 > options.budget - 200) break;
    lines.push(name);
    used += name.length + 1;
    shown++;
  }
  if (shown < names.length) lines.push(`- … and ${names.length - shown} more changed objects`);
  return [...kept, lines.join("\n")];
}
