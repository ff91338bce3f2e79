import { beforeEach, describe, expect, it } from "vitest";
import { discoverRepositories } from "../../src/flows/discover.js";
import { ConditionalCache } from "../../src/github/conditional.js";
import type { GitHub } from "../../src/github/types.js";
import { validatingRest } from "../helpers/github.js";
import { GitHubState } from "../helpers/github-state.js";
import { INSTALLATION, OWNER, OWNER_ID, REPO, REPOSITORY_ID } from "../helpers/webhooks.js";

const CONFIG = `environments:
  - name: production
    path: deploy/production
    cluster: prod
`;

describe("which repositories the sweeps look after", () => {
  let github: GitHubState;
  let octokit: GitHub;
  let logged: string[];
  let cache: ConditionalCache;
  const discover = () =>
    discoverRepositories({
      app: octokit,
      installation: async () => octokit,
      cache,
      log: {
        info: (o, msg) => logged.push(`${msg} ${JSON.stringify(o)}`),
        error: (o, msg) => logged.push(`${msg} ${JSON.stringify(o)}`),
      },
    });
  beforeEach(() => {
    github = new GitHubState();
    octokit = validatingRest([]);
    logged = [];
    cache = new ConditionalCache();
  });

  it("finds each installation's repositories with the config on their default branch", async () => {
    github.files.set(".github/capstan.yml", CONFIG);
    const found = await discover();
    expect(found.map((r) => ({ ...r, octokit: undefined }))).toEqual([
      {
        installation: INSTALLATION,
        octokit: undefined,
        repo: { owner: OWNER, repo: REPO },
        ids: { id: REPOSITORY_ID, ownerId: OWNER_ID },
        defaultBranch: "main",
        config: expect.objectContaining({
          environments: [expect.objectContaining({ name: "production", cluster: "prod" })],
        }),
      },
    ]);
  });

  it("asks again with the ETag, so an unchanged config costs a 304", async () => {
    github.files.set(".github/capstan.yml", CONFIG);
    await discover();
    const again = await discover();
    expect(github.notModified).toBe(1);
    expect(cache.notModified).toBe(1);
    expect(again[0]?.config.environments[0]?.name).toBe("production");
    // A changed file has a new ETag: read in full.
    github.files.set(".github/capstan.yml", CONFIG.replace("production", "staging"));
    expect((await discover())[0]?.config.environments[0]?.name).toBe("staging");
    expect(github.notModified).toBe(1);
  });

  it.each([
    { case: "a repository without a config is not swept", file: undefined, log: undefined },
    {
      case: "an invalid config is logged and the repository left out",
      file: "environments:\n  - name: Bad Name\n    path: x\n",
      log: "repository skipped by the sweeps: .github/capstan.yml on main is invalid",
    },
    {
      case: "malformed YAML too",
      file: "environments: [",
      log: "repository skipped by the sweeps",
    },
  ])("$case", async ({ file, log }) => {
    if (file !== undefined) github.files.set(".github/capstan.yml", file);
    expect(await discover()).toEqual([]);
    if (log) expect(logged.join("\n")).toContain(log);
  });
});
