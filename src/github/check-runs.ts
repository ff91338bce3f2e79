import { createHash } from "node:crypto";
import type { Pacer } from "./pacer.js";
import type { GitHub, Repo } from "./types.js";

/** One annotation of a check run: a file of the repository, a line, a level and a message. */
export interface Annotation {
  path: string;
  line: number;
  level: "failure" | "warning" | "notice";
  title: string;
  message: string;
}

/** A check run's outcome. */
export interface CheckRunOutput {
  name: string;
  headSha: string;
  conclusion: "success" | "failure" | "neutral";
  title: string;
  summary: string;
  text?: string;
  annotations: readonly Annotation[];
}

// GitHub's limits: 65,535 bytes for summary and text, 50 annotations a request, 255 characters a title.
const MAX_BYTES = 65_535;
const BATCH = 50;

/**
 * Publishes a check run for a commit, once per content: a run of that name on that SHA that already
 * carries the same result (its `external_id` is a hash of the output) is left alone, so redeliveries and
 * re-runs give one run per name and SHA. A different result gets a new run, since GitHub appends the
 * annotations of an update to the old ones. Annotations go in batches of 50, the first with the run itself
 * and the rest as further updates.
 */
export async function publishCheckRun(
  octokit: GitHub,
  pacer: Pacer,
  repo: Repo,
  check: CheckRunOutput,
): Promise<number> {
  const digest = createHash("sha256").update(JSON.stringify(check)).digest("hex").slice(0, 40);
  const { data } = await octokit.rest.checks.listForRef({
    ...repo,
    ref: check.headSha,
    check_name: check.name,
    filter: "latest",
    per_page: 1,
  });
  const existing = data.check_runs[0];
  if (existing?.external_id === digest) return existing.id;
  const annotations = check.annotations.map((a) => ({
    path: a.path,
    start_line: a.line,
    end_line: a.line,
    annotation_level: a.level,
    title: a.title.slice(0, 255),
    message: a.message,
  }));
  const output = (batch: typeof annotations) => ({
    title: check.title.slice(0, 255),
    summary: fitBytes(check.summary, MAX_BYTES),
    ...(check.text ? { text: fitBytes(check.text, MAX_BYTES) } : {}),
    annotations: batch,
  });
  const created = await pacer.write(() =>
    octokit.rest.checks.create({
      ...repo,
      name: check.name,
      head_sha: check.headSha,
      external_id: digest,
      status: "completed",
      conclusion: check.conclusion,
      completed_at: new Date().toISOString(),
      output: output(annotations.slice(0, BATCH)),
    }),
  );
  const id = created.data.id;
  for (let i = BATCH; i < annotations.length; i += BATCH) {
    await pacer.write(() =>
      octokit.rest.checks.update({
        ...repo,
        check_run_id: id,
        output: output(annotations.slice(i, i + BATCH)),
      }),
    );
  }
  return id;
}

/**
 * Cuts a text to a byte budget at a line boundary, ending with a note of what was cut, so a multi-byte
 * character is never split and the reader knows the rest exists.
 */
export function fitBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const note = "\n\n> ✂️ Truncated to fit GitHub's 65,535-byte limit; the full report is in the PR comment.";
  const budget = maxBytes - Buffer.byteLength(note);
  const lines = text.split("\n");
  let used = 0;
  let kept = 0;
  while (kept < lines.length && used + Buffer.byteLength(lines[kept]!) + 1 <= budget)
    used += Buffer.byteLength(lines[kept++]!) + 1;
  return `${lines.slice(0, kept).join("\n")}${note}`;
}
