// The sweep that catches up a lost push: GitHub never redelivers a failed delivery, so each deploy
// branch's head is compared, every few minutes, with the revision its environments last synced.
import { type ClusterClient, syncedRevision } from "../cluster/index.js";
import type { ServerConfig } from "../config/index.js";
import type { ConditionalCache } from "../github/conditional.js";
import { inFlight, priorDeployment } from "../github/deployments.js";
import type { GitHub } from "../github/types.js";
import { metrics } from "../metrics.js";
import type { Installed } from "./discover.js";
import { planPush } from "./push-plan.js";

/** A branch head the sweep found not deployed everywhere it should be. */
export interface BranchHead {
  sha: string;
  /** The head commit's message (a Capstan revert is recognised by its trailer). */
  message: string;
}

/**
 * The branch's head when at least one environment it deploys is behind it (its parent records another
 * revision, or none) or has a Deployment of it that never finished (cut off by a restart); `undefined`
 * when every environment is at the head. The head is read with a conditional request, so an idle branch
 * costs a 304 and one parent read per environment.
 */
export async function branchBehind(input: {
  installed: Installed;
  branch: string;
  server: ServerConfig;
  cache: ConditionalCache;
  connect(cluster: string): ClusterClient;
}): Promise<BranchHead | undefined> {
  const { installed, cache } = input;
  const octokit: GitHub = installed.octokit;
  const branch = await cache.get<{ commit: { sha: string; commit?: { message?: string } } }>(
    octokit,
    "GET /repos/{owner}/{repo}/branches/{branch}",
    { ...installed.repo, branch: input.branch },
  );
  const head = { sha: branch.commit.sha, message: branch.commit.commit?.message ?? "" };
  const identity = { ...installed.repo, ...installed.ids };
  const plan = planPush(installed.config, input.server, identity, input.branch, installed.defaultBranch);
  const owner = { id: installed.ids.id, name: `${installed.repo.owner}/${installed.repo.repo}` };
  let behind = false;
  for (const decision of plan.decisions) {
    if (decision.action !== "deploy") continue;
    const env = decision.environment;
    const cluster = input.connect(env.cluster!);
    const synced = await syncedRevision(cluster, env.name, env.namespace, owner).catch(() => null);
    metrics.behind.set({ repository: owner.name, environment: env.name }, synced === head.sha ? 0 : 1);
    if (synced !== head.sha) {
      behind = true;
      continue;
    }
    const get = <T>(route: string, params: Record<string, unknown>) => cache.get<T>(octokit, route, params);
    const prior = await priorDeployment(octokit, installed.repo, head.sha, env.name, get);
    if (prior && (inFlight(prior) || prior.state === "error")) behind = true;
  }
  return behind ? head : undefined;
}
