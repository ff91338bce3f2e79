import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { writeDriftState } from "../../src/cluster/index.js";
import { examplePayload } from "../helpers/webhooks.js";
import {
  type AppHarness,
  appHarness,
  capstanConfig,
  mockGitHubOnly,
  REPOSITORY_ID,
  sha,
  ZERO,
} from "./app-harness.js";

const cm = (value: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  value: "${value}"\n`;

// A reviewer sees, in the preview, that merging overwrites live changes nobody merged.
describe("the preview of a PR whose target environment has drifted", () => {
  let h: AppHarness;
  mockGitHubOnly();
  afterEach(() => {
    nock.cleanAll();
    expect(h.invalid).toEqual([]);
    h.remove();
  });

  async function previewAfterDrift(grant: string) {
    const ns = `warn-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
    h = appHarness(grant);
    const env = ["name: shop", "path: deploy", `namespace: ${ns}`, "cluster: test"];
    h.commit("a", { ".github/capstan.yml": capstanConfig(env), "deploy/app.yaml": cm("1") });
    await h.push(ZERO, sha("a"));
    expect(h.github.deployments.at(-1)?.statuses.at(-1)?.state).toBe("success");
    // The drift sweep confirmed drift and opened issue #12.
    await writeDriftState(h.deps.clusterFor("test"), "shop", ns, {
      since: "2026-12-01T14:00:00Z",
      hash: "feedface",
      confirmed: true,
      issue: 12,
    });
    h.commit("b", { ".github/capstan.yml": capstanConfig(env), "deploy/app.yaml": cm("2") });
    h.github.prHeads.set(3, { head: sha("b"), base: sha("a") });
    const payload = examplePayload("pull_request", "opened", {
      number: 3,
      pull_request: { number: 3, base: { sha: sha("a") }, head: { sha: sha("b") } },
    });
    await h.probot.receive({ name: "pull_request", id: `pr-${ns}`, payload } as never);
    await h.deps.queue.idle();
    return h.github
      .commentsOn(3)
      .map((c) => c.body)
      .join("\n");
  }

  it("warns under the environment's heading, naming the drift issue", async () => {
    const body = await previewAfterDrift(
      `  Codertocat/Hello-World:\n    id: ${REPOSITORY_ID}\n    clusters: [test]\n`,
    );
    expect(body).toContain(
      "> ⚠️ The live objects on test have drifted from the revision last synced (#12): merging overwrites those live changes.",
    );
  });
});
