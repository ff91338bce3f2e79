import type { HealthStatus } from "../health/index.js";
import { code, escapeHtml } from "./markdown-text.js";

/** The outcome of deploying one environment, as the deploy reports read it. */
export interface DeployOutcome {
  environment: string;
  /** Why nothing was applied: a config or render error, a refused cluster, a held lease… */
  error?: string;
  created?: number;
  configured?: number;
  unchanged?: number;
  pruned?: number;
  /** Objects the cluster refused, and whole-sync problems (nothing pruned…). */
  failures?: string[];
  /** Objects removed from Git but left in place, each with why (deleting a Namespace or CRD cascades). */
  kept?: string[];
  health?: { status: HealthStatus; timedOut: boolean; unhealthy: string[] };
  durationMs?: number;
  /** The GitHub Deployment's page. */
  deploymentUrl?: string;
  /** Held by a freeze: nothing was applied, and the sweep deploys the revision when the freeze ends. */
  frozen?: {
    /** When the freeze ends, in its zone: `2026-12-07 08:00 Europe/Berlin`. */
    until: string;
    /** Its windows and who set them: `weekend, set in .github/capstan.yml`. */
    why: string;
    /** The branch whose head it must still be then. */
    branch: string;
  };
}

/**
 * How the status of a Deployment a freeze holds begins: the sweep tells a held Deployment from one cut
 * off by a restart by it.
 */
export const HELD_PREFIX = "Frozen until";

/** Whether an environment's deploy went well: applied cleanly and, when waited for, Healthy or Suspended. */
export function deploySucceeded(o: DeployOutcome): boolean {
  if (o.frozen || o.error || (o.failures?.length ?? 0) > 0) return false;
  return !o.health || o.health.status === "Healthy" || o.health.status === "Suspended";
}

/** Whether health went bad after a clean sync: the trigger for a revert. */
export function healthFailed(o: DeployOutcome): boolean {
  return !o.error && (o.failures?.length ?? 0) === 0 && !!o.health && !deploySucceeded(o);
}

/** The deployment status description: one line, the verdict first (clipped to 140 by the caller). */
export function statusDescription(o: DeployOutcome): string {
  if (o.frozen) return `${HELD_PREFIX} ${o.frozen.until} (${o.frozen.why})`;
  if (o.error) return `Not deployed: ${o.error}`;
  if ((o.failures?.length ?? 0) > 0) return `Sync failed: ${o.failures![0]}`;
  const counts = `${(o.created ?? 0) + (o.configured ?? 0)} applied, ${o.unchanged ?? 0} unchanged, ${o.pruned ?? 0} pruned`;
  if (!o.health) return `Synced: ${counts}`;
  if (deploySucceeded(o)) return `${o.health.status}: ${counts} in ${seconds(o.durationMs)}`;
  const verdict = o.health.timedOut ? `Timed out (${o.health.status})` : o.health.status;
  return `${verdict}: ${o.health.unhealthy[0] ?? "see the PR comment"}`;
}

/** The comment on the PR a deployed commit came from: one row per environment, then what is unhealthy. */
export function deployComment(
  sha: string,
  outcomes: readonly DeployOutcome[],
  notes: readonly string[] = [],
): string {
  const ok = outcomes.every((o) => o.frozen || deploySucceeded(o));
  const held = outcomes.every((o) => o.frozen);
  const title = held
    ? `### ⏸️ Capstan holds ${code(sha.slice(0, 7))}: a deploy freeze is on`
    : `### ${ok ? "✅" : "❌"} Capstan deployed ${code(sha.slice(0, 7))}`;
  const lines = [
    title,
    "",
    "| Environment | Result | Applied | Unchanged | Pruned | Health | Took |",
    "|---|---|---:|---:|---:|---|---:|",
    ...outcomes.map((o) => {
      const env = o.deploymentUrl ? `[${code(o.environment)}](${o.deploymentUrl})` : code(o.environment);
      if (o.frozen) return `| ${env} | held by a freeze | | | | | |`;
      if (o.error) return `| ${env} | not deployed | | | | | |`;
      const health = o.health
        ? `${o.health.status}${o.health.timedOut ? " (timed out)" : ""}`
        : "not waited for";
      return `| ${env} | ${deploySucceeded(o) ? "deployed" : "failed"} | ${(o.created ?? 0) + (o.configured ?? 0)} | ${o.unchanged ?? 0} | ${o.pruned ?? 0} | ${health} | ${seconds(o.durationMs)} |`;
    }),
  ];
  for (const o of outcomes) {
    const problems = [
      ...(o.error ? [o.error] : []),
      ...(o.failures ?? []),
      ...(o.health && !deploySucceeded(o) ? o.health.unhealthy : []),
    ];
    if (problems.length === 0) continue;
    lines.push(
      "",
      `**${escapeHtml(o.environment)}**`,
      "",
      ...problems.slice(0, 30).map((p) => `- ${code(p)}`),
    );
    if (problems.length > 30) lines.push(`- … and ${problems.length - 30} more`);
  }
  for (const o of outcomes) {
    if (!o.frozen) continue;
    lines.push(
      "",
      `**${escapeHtml(o.environment)}** is frozen until ${escapeHtml(o.frozen.until)} (${escapeHtml(o.frozen.why)}). Nothing was applied; Capstan deploys ${code(sha.slice(0, 7))} when the freeze ends, if it is still the head of ${code(o.frozen.branch)}.`,
    );
  }
  for (const o of outcomes) {
    if (!o.kept?.length) continue;
    lines.push(
      "",
      `**${escapeHtml(o.environment)}**: removed from Git but left in place`,
      "",
      ...o.kept.slice(0, 30).map((k) => `- ${code(k)}`),
    );
    if (o.kept.length > 30) lines.push(`- … and ${o.kept.length - 30} more`);
  }
  if (notes.length > 0) lines.push("", ...notes);
  return lines.join("\n");
}

/** The body of a revert PR: why (each unhealthy object and its reason), where from, and who to tell. */
export function revertBody(input: {
  sha: string;
  marker: string;
  pr?: { number: number; author: string };
  outcomes: readonly DeployOutcome[];
}): string {
  const from = input.pr
    ? `#${input.pr.number} (${code(input.sha.slice(0, 7))})`
    : code(input.sha.slice(0, 7));
  const lines = [
    `Capstan deployed ${from} and its health check failed, so this PR reverts it. Merging it deploys the previous objects again.`,
    "",
  ];
  if (input.pr)
    lines.push(`@${input.pr.author}: your change is reverted here, not lost; fix it and merge again.`, "");
  for (const o of input.outcomes.filter(healthFailed)) {
    const where = o.deploymentUrl ? ` ([failing deployment](${o.deploymentUrl}))` : "";
    lines.push(
      `**${escapeHtml(o.environment)}**: ${o.health!.timedOut ? `still ${o.health!.status} when the wait timed out` : o.health!.status}${where}`,
      "",
    );
    lines.push(...o.health!.unhealthy.slice(0, 50).map((u) => `- ${code(u)}`), "");
  }
  lines.push(input.marker);
  return lines.join("\n");
}

function seconds(ms: number | undefined): string {
  return ms === undefined ? "" : `${(ms / 1000).toFixed(0)} s`;
}
