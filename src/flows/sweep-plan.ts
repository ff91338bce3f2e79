// What the reconciler sweeps, as plain data: a pure function of the discovered repositories and the
// server config, so which work exists (and how often it runs) reads as a table in the tests.
import { type Config, fullName, grantsFor, parseDuration, type ServerConfig } from "../config/index.js";
import type { Repo } from "../github/types.js";
import { planPush } from "./push-plan.js";

/** A repository as the plan needs it. */
export interface PlannedRepository {
  repo: Repo;
  ids: { id: number; ownerId: number };
  defaultBranch: string;
  config: Config;
}

/** One periodic piece of work, keyed so that a restart and a re-discovery find the same schedule. */
export type Sweep =
  /** A deploy branch's head against what its environments last synced. */
  | { kind: "behind"; key: string; intervalMs: number; repository: string; branch: string }
  /** Open pull requests whose head has no preview yet. */
  | { kind: "previews"; key: string; intervalMs: number; repository: string }
  /** One environment's live objects against its last synced revision. */
  | { kind: "drift"; key: string; intervalMs: number; repository: string; environment: string };

/** The server config's sweep intervals, in milliseconds. */
export interface SweepIntervals {
  behindMs: number;
  previewsMs: number;
  /** Overrides every environment's `drift.interval`. */
  driftMs?: number;
}

/** The intervals a server config sets. */
export function intervalsOf(server: ServerConfig | undefined): SweepIntervals {
  const reconcile = server?.reconcile;
  return {
    behindMs: parseDuration(reconcile?.behind ?? "3m"),
    previewsMs: parseDuration(reconcile?.previews ?? "5m"),
    ...(reconcile?.drift ? { driftMs: parseDuration(reconcile.drift) } : {}),
  };
}

/**
 * The sweeps for these repositories:
 * - `previews` for every repository;
 * - `behind` for each branch that deploys at least one environment (as a push to it would: autoSync, a
 *   cluster the server grants, a branch the cluster accepts); none without a server config;
 * - `drift` for each environment on a granted cluster whose `drift.mode` is not `off`.
 */
export function planSweeps(
  repositories: readonly PlannedRepository[],
  server: ServerConfig | undefined,
  intervals: SweepIntervals,
): Sweep[] {
  const sweeps: Sweep[] = [];
  for (const r of repositories) {
    const repository = fullName(r.repo);
    sweeps.push({
      kind: "previews",
      key: `previews ${repository}`,
      intervalMs: intervals.previewsMs,
      repository,
    });
    if (!server) continue;
    const identity = { ...r.repo, ...r.ids };
    const branches = new Set(r.config.environments.map((e) => e.branch ?? r.defaultBranch));
    for (const branch of [...branches].sort()) {
      const plan = planPush(r.config, server, identity, branch, r.defaultBranch);
      if (!plan.decisions.some((d) => d.action === "deploy")) continue;
      sweeps.push({
        kind: "behind",
        key: `behind ${repository}@${branch}`,
        intervalMs: intervals.behindMs,
        repository,
        branch,
      });
    }
    const grants = grantsFor(server, identity);
    for (const env of r.config.environments) {
      if (!env.cluster || !grants.has(env.cluster) || env.drift.mode === "off") continue;
      sweeps.push({
        kind: "drift",
        key: `drift ${repository}/${env.name}`,
        intervalMs: intervals.driftMs ?? parseDuration(env.drift.interval),
        repository,
        environment: env.name,
      });
    }
  }
  return sweeps;
}
