import { beforeEach, describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/index.js";
import type { Installed } from "../../src/flows/discover.js";
import { stalePullRequests } from "../../src/flows/preview-sweep.js";
import { ConditionalCache } from "../../src/github/conditional.js";
import { validatingRest } from "../helpers/github.js";
import { APP, GitHubState } from "../helpers/github-state.js";
import { INSTALLATION, OWNER, OWNER_ID, REPO, REPOSITORY_ID } from "../helpers/webhooks.js";

describe("which open pull requests the preview sweep previews again", () => {
  let github: GitHubState;
  let installed: Installed;
  beforeEach(() => {
    github = new GitHubState();
    installed = {
      installation: INSTALLATION,
      octokit: validatingRest([]),
      repo: { owner: OWNER, repo: REPO },
      ids: { id: REPOSITORY_ID, ownerId: OWNER_ID },
      defaultBranch: "main",
      config: configSchema.parse({ environments: [{ name: "staging", path: "deploy" }] }),
    };
  });

  it("those whose head has no capstan/diff check run, forks marked as such", async () => {
    github.prHeads.set(1, { head: "1".repeat(40), base: "0".repeat(40) });
    github.prHeads.set(2, { head: "2".repeat(40), base: "0".repeat(40) });
    github.prHeads.set(3, { head: "3".repeat(40), base: "0".repeat(40), fork: true });
    // #1 was previewed at its head; #2 only at an older head.
    github.checkRuns.push(
      {
        id: 1,
        name: "capstan/diff",
        head_sha: "1".repeat(40),
        conclusion: "success",
        output: { annotations: [] },
      } as never,
      {
        id: 2,
        name: "capstan/diff",
        head_sha: "9".repeat(40),
        conclusion: "success",
        output: { annotations: [] },
      } as never,
    );
    const stale = await stalePullRequests({ installed, cache: new ConditionalCache(), identity: APP });
    expect(stale).toEqual([
      { number: 2, headSha: "2".repeat(40), baseSha: "0".repeat(40), fork: false },
      { number: 3, headSha: "3".repeat(40), baseSha: "0".repeat(40), fork: true },
    ]);
  });

  it("none when there are no open pull requests", async () => {
    expect(await stalePullRequests({ installed, cache: new ConditionalCache(), identity: APP })).toEqual([]);
  });
});
