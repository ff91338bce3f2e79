import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import yaml from "js-yaml";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DIFF_CHECK, POLICY_CHECK } from "../../src/flows/pull-request.js";
import { fixtureRepo, ROOT, tempDir } from "../helpers/fixtures.js";
import { GitHubState } from "../helpers/github-state.js";
import { type GitHubProxy, githubProxy } from "../helpers/server-process.js";
import { OWNER, REPO } from "../helpers/webhooks.js";

const run = promisify(execFile);

interface Action {
  inputs: Record<string, { default?: string }>;
  runs: { using: string; steps: Array<{ run?: string; uses?: string; env?: Record<string, string> }> };
}

const action = yaml.load(readFileSync(join(ROOT, "action.yml"), "utf8")) as Action;

describe("action.yml", () => {
  it("is a composite action whose scripts take inputs through the environment only", () => {
    expect(action.runs.using).toBe("composite");
    const scripts = action.runs.steps.flatMap((s) => (s.run ? [s.run] : []));
    expect(scripts.length).toBeGreaterThan(0);
    // `${{ }}` pasted into a script is a script injection; the environment is not.
    for (const script of scripts) expect(script).not.toContain("${{");
    const referenced = JSON.stringify(action.runs.steps).match(/inputs\.[\w-]+/g) ?? [];
    for (const ref of referenced) expect(Object.keys(action.inputs)).toContain(ref.slice("inputs.".length));
    expect(scripts.at(-1)).toBe('bash "$GITHUB_ACTION_PATH/scripts/action-preview.sh"');
  });
});

// The Preview step, run as a runner runs it: the built bundle in a process of its own, GitHub reached
// at GITHUB_API_URL (a loopback proxy to the nock-backed mock, validating every request).
describe("the action's Preview step", () => {
  const BASE = "a".repeat(40);
  const HEAD = "b".repeat(40);
  let proxy: GitHubProxy;
  let github: GitHubState;
  let work: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    nock.enableNetConnect(/127\.0\.0\.1/);
    proxy = await githubProxy();
  });
  afterAll(async () => {
    await proxy.stop();
    nock.disableNetConnect();
  });
  beforeEach(() => {
    work = tempDir("capstan-action-");
    github = new GitHubState();
    github.serveTree(BASE, fixtureRepo("shop", "base"));
    github.serveTree(HEAD, fixtureRepo("shop", "head"));
    github.prHeads.set(7, { head: HEAD, base: BASE });
    github.commentAuthor = { login: "github-actions[bot]", type: "Bot" };
  });
  afterEach(() => work.remove());

  const step = (env: Record<string, string>) =>
    run("bash", [join(ROOT, "scripts/action-preview.sh")], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GITHUB_ACTIONS: "true",
        GITHUB_ACTION_PATH: ROOT,
        GITHUB_API_URL: `http://${proxy.host}/api/v3`,
        GITHUB_TOKEN: "ghs_workflow",
        GITHUB_STEP_SUMMARY: join(work.dir, "summary.md"),
        CAPSTAN_CACHE_DIR: join(work.dir, "cache"),
        ...env,
      },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  it("posts the sticky comment and both checks as github-actions[bot], and puts the report in the job summary", async () => {
    const result = await step({ CAPSTAN_PULL_REQUEST: `${OWNER}/${REPO}#7`, CAPSTAN_COMMENT: "true" });
    expect(result.stderr).toContain(`capstan: posted the preview on ${OWNER}/${REPO}#7`);
    expect(result.code).toBe(0);
    expect(github.commentsOn(7)).toHaveLength(1);
    expect(github.commentsOn(7)[0]!.user.login).toBe("github-actions[bot]");
    expect(github.checkRuns.map((r) => [r.name, r.conclusion])).toEqual([
      [DIFF_CHECK, "success"],
      [POLICY_CHECK, "success"],
    ]);
    const summary = readFileSync(join(work.dir, "summary.md"), "utf8");
    expect(summary).toContain("| `staging` | kustomize | +1 | ~2 | −0 | 2 | ⚠️ 2 warnings |");
    expect(result.stdout).toBe(summary);
    expect(proxy.invalid).toEqual([]);
  });

  it("hands the kubeconfig input to Capstan as a file, which it reads the CRDs of custom resources from", async () => {
    // The Flux fixture's HelmReleases have no CRD in the render: the cluster is asked, and this one cannot answer.
    const fleet = "f".repeat(40);
    github.serveTree(fleet, join(ROOT, "fixtures/repos/flux-fleet"));
    github.prHeads.set(8, { head: fleet, base: BASE });
    const result = await step({
      CAPSTAN_PULL_REQUEST: `${OWNER}/${REPO}#8`,
      CAPSTAN_COMMENT: "false",
      CAPSTAN_KUBECONFIG: "apiVersion: v1\nkind: Config\nclusters: []\n",
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /HelmRelease helm\.toolkit\.fluxcd\.io\/v2: no schema is known \([^)]*the CRDs of cluster production could not be read/,
    );
    expect(github.comments).toEqual([]);
  });

  it.each([
    [{ CAPSTAN_PULL_REQUEST: `${OWNER}/${REPO}#`, CAPSTAN_COMMENT: "true" }, /no pull request to preview/],
    [{ CAPSTAN_PULL_REQUEST: `${OWNER}/${REPO}#7`, CAPSTAN_COMMENT: "yes" }, /must be true or false/],
    [{ CAPSTAN_PULL_REQUEST: "$(touch pwned)#7", CAPSTAN_COMMENT: "false" }, /--pr must be OWNER\/REPO#N/],
  ])("refuses %o with a clear error and writes nothing", async (env, message) => {
    const result = await step(env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(github.comments).toEqual([]);
  });
});
