import {
  branchMayDeploy,
  branchRefusal,
  type Config,
  type Environment,
  fullName,
  grantsFor,
  type Reach,
  type RepositoryIdentity,
  type ServerConfig,
} from "../config/index.js";

/** What a push may do to one environment. */
export type PushDecision =
  /** Deploy it, within this reach. */
  | { environment: Environment; action: "deploy"; reach: Reach }
  /** Refuse it, and say why on a failed Deployment (the reviewed config asks for it, the operator refuses). */
  | { environment: Environment; action: "refuse"; reason: string };

/** The environments a push deploys or refuses, and why the others are left alone (for the log). */
export interface PushPlan {
  decisions: PushDecision[];
  /** Why nothing is deployed, when nothing is. */
  idle?: string;
}

/**
 * Decides what a push may deploy. `config` is the deploy authority: the repository config on the default
 * branch, never the pushed tree's (a branch cannot grant itself a cluster). An environment is deployed by
 * a push to its `branch` (default: the default branch) when it has autoSync and a cluster, the server
 * config grants the repository that cluster, and the cluster accepts the branch (default: the default
 * branch only).
 */
export function planPush(
  config: Config | undefined,
  server: ServerConfig,
  repo: RepositoryIdentity,
  branch: string,
  defaultBranch: string,
): PushPlan {
  if (!config) return { decisions: [], idle: `the default branch ${defaultBranch} has no Capstan config` };
  const candidates = config.environments.filter(
    (env) => env.autoSync && env.cluster !== undefined && (env.branch ?? defaultBranch) === branch,
  );
  if (candidates.length === 0) {
    return {
      decisions: [],
      idle: `no environment of the config on ${defaultBranch} deploys from ${branch}`,
    };
  }
  const grants = grantsFor(server, repo);
  const decisions = candidates.map((environment): PushDecision => {
    const cluster = environment.cluster!;
    const reach = grants.get(cluster);
    if (!reach) {
      return {
        environment,
        action: "refuse",
        reason: `cluster "${cluster}" is not allowed for ${fullName(repo)} by the server config`,
      };
    }
    if (!branchMayDeploy(server, cluster, branch, defaultBranch))
      return { environment, action: "refuse", reason: branchRefusal(server, cluster, branch, defaultBranch) };
    return { environment, action: "deploy", reach };
  });
  return { decisions };
}
