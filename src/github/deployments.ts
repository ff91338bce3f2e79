import { HELD_PREFIX } from "../report/deploy.js";
import { deployWrite, type Pacer } from "./pacer.js";
import type { GitHub, Repo } from "./types.js";

/** A deployment status as GitHub knows them. */
export type DeploymentState = "queued" | "in_progress" | "success" | "failure" | "error" | "inactive";

/** The task of a Deployment that deploys a commit (a push, or a sweep catching up a lost one). */
export const DEPLOY_TASK = "deploy";

/** The task of a Deployment that re-applies the synced revision over live drift. */
export const HEAL_TASK = "deploy:heal";

/** GitHub's limit on a deployment status description. */
export const MAX_DESCRIPTION = 140;

/** A description clipped to GitHub's 140 characters, with an ellipsis when cut. */
export function clipDescription(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length <= MAX_DESCRIPTION ? flat : `${flat.slice(0, MAX_DESCRIPTION - 1)}…`;
}

/**
 * Creates a GitHub Deployment of one commit to one environment. `auto_merge: false` keeps GitHub from
 * merging the default branch into the ref, and `required_contexts: []` from waiting on statuses: Capstan
 * records a deploy that already happens, it does not ask GitHub for permission.
 *
 * @returns the deployment's id
 */
export async function createDeployment(
  octokit: GitHub,
  pacer: Pacer,
  repo: Repo,
  input: { sha: string; environment: string; description: string; task?: string },
): Promise<number> {
  const { data } = await deployWrite(pacer, () =>
    octokit.rest.repos.createDeployment({
      ...repo,
      ref: input.sha,
      environment: input.environment,
      task: input.task ?? DEPLOY_TASK,
      auto_merge: false,
      required_contexts: [],
      description: clipDescription(input.description),
      payload: { tool: "capstan" },
    }),
  );
  if (!("id" in data)) throw new Error(`GitHub did not create a deployment of ${input.sha}: ${data.message}`);
  return data.id;
}

/** Adds a status to a deployment; the description is clipped to 140 characters. */
export async function setDeploymentStatus(
  octokit: GitHub,
  pacer: Pacer,
  repo: Repo,
  id: number,
  state: DeploymentState,
  description: string,
): Promise<void> {
  await deployWrite(pacer, () =>
    octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: id,
      state,
      description: clipDescription(description),
      auto_inactive: state === "success",
    }),
  );
}

/** A Deployment Capstan recorded earlier for a commit and environment, and where it got to. */
export interface PriorDeployment {
  id: number;
  /** Its latest status; `undefined` when it has none yet. */
  state?: DeploymentState | "pending" | "inactive";
  /** When the latest status (or the Deployment) was written. */
  at: string;
  /** How many Deployments of this commit to this environment Capstan has made (for the retry backoff). */
  attempts: number;
  /** Its latest status's description: a held one says `Frozen until …`. */
  description?: string;
}

/** In flight: created, or started, and never finished (its deploy was cut off, or is still running). */
export function inFlight(prior: PriorDeployment): boolean {
  return prior.state === undefined || ["queued", "in_progress", "pending"].includes(prior.state);
}

/**
 * The newest Deployment Capstan made of `sha` to `environment` (its payload says `tool: capstan`), with
 * its latest status, or `undefined` when there is none. Costs two reads, both conditional when a cache
 * is given (the sweeps ask every few minutes).
 */
export async function priorDeployment(
  octokit: GitHub,
  repo: Repo,
  sha: string,
  environment: string,
  get: <T>(route: string, params: Record<string, unknown>) => Promise<T> = async (route, params) =>
    (await octokit.request(route, params)).data as never,
): Promise<PriorDeployment | undefined> {
  type Listed = { id: number; created_at: string; payload: unknown };
  const listed = await get<Listed[]>("GET /repos/{owner}/{repo}/deployments", {
    ...repo,
    sha,
    environment,
    task: DEPLOY_TASK,
    per_page: 30,
  });
  const ours = listed.filter((d) => toolOf(d.payload) === "capstan");
  const newest = ours[0];
  if (!newest) return undefined;
  type Status = { state: PriorDeployment["state"]; created_at: string; description?: string | null };
  const statuses = await get<Status[]>("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
    ...repo,
    deployment_id: newest.id,
    per_page: 1,
  });
  const latest = statuses[0];
  return {
    id: newest.id,
    state: latest?.state,
    at: latest?.created_at ?? newest.created_at,
    attempts: ours.length,
    ...(latest?.description ? { description: latest.description } : {}),
  };
}

// The newest Deployments of an environment looked at for held ones: a freeze holds one revision at a
// time, so older ones were superseded when the next was held.
const HELD_LOOKBACK = 10;

/**
 * Capstan's Deployments to `environment` of other revisions than `sha` that a freeze still holds
 * (latest status queued, `Frozen until …`), among the newest few: a newer revision supersedes them.
 */
export async function heldDeployments(
  octokit: GitHub,
  repo: Repo,
  environment: string,
  sha: string,
): Promise<Array<{ id: number; sha: string }>> {
  const { data: listed } = await octokit.rest.repos.listDeployments({
    ...repo,
    environment,
    task: DEPLOY_TASK,
    per_page: HELD_LOOKBACK,
  });
  const held: Array<{ id: number; sha: string }> = [];
  for (const d of listed) {
    if (d.sha === sha || toolOf(d.payload) !== "capstan") continue;
    const { data: statuses } = await octokit.rest.repos.listDeploymentStatuses({
      ...repo,
      deployment_id: d.id,
      per_page: 1,
    });
    const latest = statuses[0];
    if (latest?.state === "queued" && latest.description?.startsWith(HELD_PREFIX))
      held.push({ id: d.id, sha: d.sha });
  }
  return held;
}

// GitHub returns a Deployment's payload as the object it was given, or as a JSON string.
function toolOf(payload: unknown): unknown {
  if (typeof payload === "string") {
    try {
      return (JSON.parse(payload) as { tool?: unknown }).tool;
    } catch {
      return undefined;
    }
  }
  return (payload as { tool?: unknown } | null)?.tool;
}
