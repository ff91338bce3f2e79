import { describe, expect, it } from "vitest";
import { type DeployOutcome, deployComment, statusDescription } from "../../src/report/deploy.js";

describe("the deploy comment", () => {
  it("lists what a prune left in place, and why, under the environment", () => {
    const outcome: DeployOutcome = {
      environment: "production",
      created: 0,
      configured: 1,
      unchanged: 4,
      pruned: 2,
      kept: [
        "Namespace/team: left in place (deleting a Namespace deletes everything in it); annotate it capstan.dev/prune: allow to let a prune delete it",
      ],
      durationMs: 3000,
    };
    const body = deployComment("a".repeat(40), [outcome]);
    expect(body).toContain("| `production` | deployed | 1 | 4 | 2 | not waited for | 3 s |");
    expect(body).toContain(
      "**production**: removed from Git but left in place\n\n- `Namespace/team: left in place (deleting a Namespace deletes everything in it); annotate it capstan.dev/prune: allow to let a prune delete it`",
    );
  });

  it("says why an environment was refused, first in its Deployment's description", () => {
    const refused: DeployOutcome = {
      environment: "production",
      error:
        'cluster "prod" accepts deploys only from the default branch main, not from hotfix; whoever runs Capstan can allow more branches with clusters.prod.branches',
    };
    expect(statusDescription(refused)).toMatch(/^Not deployed: cluster "prod" accepts deploys only from/);
    const body = deployComment("b".repeat(40), [refused]);
    expect(body).toContain("| `production` | not deployed | | | | | |");
    expect(body).toContain('- `cluster "prod" accepts deploys only from the default branch main');
  });
});
