import type { Context } from "probot";

/** The Octokit of a webhook's installation, as Probot gives it (`context.octokit`). */
export type GitHub = Context["octokit"];

/** A repository. */
export interface Repo {
  owner: string;
  repo: string;
}
