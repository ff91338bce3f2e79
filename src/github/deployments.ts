import { deployWrite, type Pacer } from "./pacer.js";
import type { GitHub, Repo } from "./types.js";

/** A deployment status as GitHub knows them. */
export type DeploymentState = "queued" | "in_progress" | "success" | "failure" | "error";

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
  input: { sha: string; environment: string; description: string },
): Promise<number> {
  const { data } = await deployWrite(pacer, () =>
    octokit.rest.repos.createDeployment({
      ...repo,
      ref: input.sha,
      environment: input.environment,
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
