import { beforeEach, describe, expect, it } from "vitest";
import { type DriftFinding, type DriftState, findingsHash, nextDriftState } from "../../src/drift/index.js";
import { publishDrift } from "../../src/github/drift-issue.js";
import { Pacer } from "../../src/github/pacer.js";
import type { GitHub } from "../../src/github/types.js";
import { validatingRest } from "../helpers/github.js";
import { GitHubState } from "../helpers/github-state.js";
import { OWNER, REPO } from "../helpers/webhooks.js";

const repo = { owner: OWNER, repo: REPO };
const settings = { group: "", kind: "ConfigMap", namespace: "shop", name: "settings" };
const web = { group: "apps", kind: "Deployment", namespace: "shop", name: "web" };
const missing: DriftFinding[] = [{ change: "missing", ref: settings }];
const both: DriftFinding[] = [
  ...missing,
  {
    change: "modified",
    ref: web,
    fields: [{ path: "spec.replicas", writer: { manager: "kubectl-edit", operation: "Update" } }],
  },
];
const GRACE = 60_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 14, minutes));

describe("the drift issue on GitHub", () => {
  let github: GitHubState;
  let octokit: GitHub;
  let writes: string[];
  let state: DriftState;
  beforeEach(() => {
    github = new GitHubState();
    writes = [];
    state = {};
    octokit = validatingRest(writes);
  });

  // One check at minute `m` that found `findings`: the state moves on, the issue follows.
  async function check(m: number, findings: DriftFinding[], resolvedBy?: string) {
    const step = nextDriftState(state, findings, at(m), GRACE);
    const issue = await publishDrift(
      octokit,
      new Pacer({ spacingMs: 0, perHour: 480, retries: 0, fallbackWaitMs: 0, sleep: async () => {} }),
      repo,
      {
        environment: "production",
        cluster: "eu-1",
        revision: "a".repeat(40),
        since: step.state.since ?? "",
        findings,
        hash: findingsHash(findings),
      },
      step,
      resolvedBy,
    );
    state = { ...step.state, ...(issue !== undefined ? { issue } : {}) };
    return step.edge;
  }

  it("opens one issue on confirmed drift, edits it only when the findings change, and closes it when resolved", async () => {
    expect(await check(0, missing)).toBe("suspected");
    expect(writes).toEqual([]); // not drift until it lasts
    expect(await check(2, missing)).toBe("appeared");
    expect(github.issues.map((i) => [i.title, i.state, i.labels])).toEqual([
      ["Drift: production (eu-1)", "open", ["capstan:drift"]],
    ]);
    const number = github.issues[0]!.number;
    expect(writes).toEqual(["POST issues", `POST issues/${number}/comments`]);

    writes.length = 0;
    expect(await check(12, missing)).toBe("none");
    expect(writes).toEqual([]); // unchanged: no write at all

    expect(await check(22, both)).toBe("changed");
    expect(writes).toEqual([`PATCH issues/${number}`, `POST issues/${number}/comments`]);
    expect(github.issues[0]!.body).toContain("`Deployment/shop/web` | changed live | `spec.replicas`");

    writes.length = 0;
    expect(await check(32, [], "reverted by hand")).toBe("resolved");
    expect(writes).toEqual([`POST issues/${number}/comments`, `PATCH issues/${number}`]);
    expect(github.issues[0]!.state).toBe("closed");
    expect(github.commentsOn(number).at(-1)!.body).toContain("(reverted by hand)");
  });

  it("reopens the same issue when drift returns, even after a restart forgot its number", async () => {
    await check(0, missing);
    await check(2, missing);
    await check(4, []);
    const number = github.issues[0]!.number;
    state = {}; // a restarted Capstan that lost its state finds the issue by its marker
    await check(10, missing);
    await check(12, missing);
    expect(github.issues).toHaveLength(1);
    expect(github.issues[0]!.state).toBe("open");
    expect(state.issue).toBe(number);
  });
});
