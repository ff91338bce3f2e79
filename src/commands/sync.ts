import { resolve } from "node:path";
import { asClusterError, connectKubeconfig, type Owner } from "../cluster/index.js";
import { parseConfig, readConfigFile } from "../config/index.js";
import { ConfigError } from "../errors.js";
import { type DeployResult, deployEnvironment } from "../flows/deploy.js";
import { selectEnvironments } from "../flows/preview.js";
import { readTreeConfig } from "../flows/tree-config.js";
import { defaultTreeCacheDir } from "../github/tree-cache.js";
import { unhealthyLines } from "../health/index.js";
import { extractRef, type Tree } from "../local/git-tree.js";
import { formatRef, type ObjectRef } from "../manifests/index.js";
import { cachedRenderOptions, renderEnvironment } from "../render/index.js";

/** Options of `capstan sync`, after argv parsing. */
export interface SyncCommandOptions {
  /** A tree from a local git repository at one ref… */
  repo?: { dir: string; ref: string };
  /** …or a directory. */
  dir?: string;
  config?: string;
  environment: string;
  kubeconfig: string;
  context?: string;
  dryRun: boolean;
  prune: boolean;
  wait: boolean;
  /** The repository to sync as: recorded on the parent, and required where the parent records one. */
  owner?: Owner;
  /** Default: the environment's `healthTimeout`. */
  timeoutMs?: number;
  format: "text" | "json";
}

/** One object's line in `capstan sync --format json`. */
export interface SyncObjectJson {
  kind: string;
  namespace: string | null;
  name: string;
  action: "created" | "configured" | "unchanged" | "pruned" | "kept" | "failed";
  error?: string;
  /** Why a removed object was left in place (`kept`): deleting it would cascade. */
  reason?: string;
}

/**
 * Runs `capstan sync`: renders one environment, then applies it to a cluster with server-side apply,
 * prunes through its ApplySet, and optionally waits for health, all under the environment's Lease.
 *
 * @returns the text to print and the exit code: 0 when the sync succeeded (and, with `--wait`, ended
 *   Healthy or Suspended), 1 otherwise
 */
export async function sync(options: SyncCommandOptions): Promise<{ output: string; exitCode: number }> {
  const cluster = connectKubeconfig(options.kubeconfig, options.context);
  let tree: Tree | undefined;
  try {
    let root: string;
    let revision: string;
    if (options.repo) {
      tree = await extractRef(options.repo.dir, options.repo.ref);
      root = tree.root;
      revision = tree.sha;
    } else {
      root = resolve(options.dir!);
      revision = `directory ${root}`;
    }
    const config = options.config
      ? await readConfigFile(options.config, (text, file) => parseConfig(text, file))
      : await readTreeConfig(root);
    if (!config) {
      throw new ConfigError(".github/capstan.yml", [
        { line: 1, path: "", message: "does not exist; add one or pass --config" },
      ]);
    }
    const [env] = selectEnvironments(config, [options.environment]);
    const { manifests } = await renderEnvironment(root, env!, cachedRenderOptions(defaultTreeCacheDir()));
    const result = await deployEnvironment({
      cluster,
      environment: env!,
      manifests,
      revision,
      dryRun: options.dryRun,
      prune: options.prune && env!.prune,
      wait: options.wait,
      timeoutMs: options.timeoutMs,
      owner: options.owner,
      // Naming the repository is the operator's explicit act of giving it an unowned environment.
      adoptUnowned: options.owner !== undefined,
    });
    const ok =
      result.sync.succeeded &&
      (!result.health || result.health.status === "Healthy" || result.health.status === "Suspended");
    const output =
      options.format === "json"
        ? `${JSON.stringify(syncJson(env!.name, revision, options.dryRun, result), null, 2)}\n`
        : syncText(env!.name, revision, options.dryRun, result);
    return { output, exitCode: ok ? 0 : 1 };
  } catch (err) {
    throw asClusterError(err, cluster.name) ?? err;
  } finally {
    await tree?.dispose();
  }
}

/** The per-object results of a deploy, pruned (and kept) objects last. */
export function objectResults(result: DeployResult): SyncObjectJson[] {
  const line = (ref: ObjectRef, action: SyncObjectJson["action"], error?: Error): SyncObjectJson => ({
    kind: ref.kind,
    namespace: ref.namespace,
    name: ref.name,
    action,
    ...(error ? { error: error.message } : {}),
  });
  return [
    ...result.sync.applied.map((r) => line(r.ref, r.action, r.error)),
    ...result.sync.pruned.map((p) => line(p.ref, p.error ? "failed" : "pruned", p.error)),
    ...result.sync.kept.map((k) => ({ ...line(k.ref, "kept"), reason: k.reason })),
  ];
}

/** The machine-readable form of a sync's result. */
export function syncJson(environment: string, revision: string, dryRun: boolean, result: DeployResult) {
  return {
    environment,
    revision,
    dryRun,
    succeeded: result.sync.succeeded,
    objects: objectResults(result),
    problems: result.sync.problems,
    durationMs: result.durationMs,
    ...(result.health
      ? {
          health: {
            status: result.health.status,
            timedOut: result.health.timedOut,
            durationMs: result.health.durationMs,
            objects: result.health.objects.map((o) => ({
              kind: o.ref.kind,
              namespace: o.ref.namespace,
              name: o.ref.name,
              status: o.status,
              message: o.message ?? "",
            })),
          },
        }
      : {}),
  };
}

function syncText(environment: string, revision: string, dryRun: boolean, result: DeployResult): string {
  const rows = objectResults(result);
  const lines = [
    `${environment} at ${revision}${dryRun ? " (dry run: nothing was written)" : ""}`,
    "",
    ...rows.map((r) => {
      const action = dryRun && r.action === "pruned" ? "would prune" : r.action;
      const ref = formatRef({ group: "", kind: r.kind, namespace: r.namespace, name: r.name });
      const detail = r.error ?? r.reason;
      return `${action.padEnd(12)} ${ref}${detail ? `\n${" ".repeat(13)}${detail}` : ""}`;
    }),
  ];
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  lines.push(
    "",
    `${[...counts].map(([action, n]) => `${n} ${action}`).join(", ") || "no objects"} in ${(result.durationMs / 1000).toFixed(1)} s`,
  );
  for (const problem of result.sync.problems) lines.push(`Sync failed: ${problem}`);
  if (result.health) {
    const h = result.health;
    lines.push(
      `Health: ${h.status}${h.timedOut ? `, still not settled after ${(h.durationMs / 1000).toFixed(0)} s` : ` after ${(h.durationMs / 1000).toFixed(1)} s`}`,
      ...unhealthyLines(h).map((l) => `  ${l}`),
    );
    if (h.lastError) lines.push(`  (the last watch error: ${h.lastError})`);
  }
  return `${lines.join("\n")}\n`;
}
