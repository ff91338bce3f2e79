// Deploy freezes, end to end: the real server process, the real test cluster, GitHub mocked behind a
// loopback proxy, and the real clock. A merge inside a window is held (its Deployment left queued,
// nothing applied) and the behind sweep (every 2 s here) deploys it once the window is over; Capstan's
// own revert goes through a freeze, and says so; a newer held merge supersedes an older one.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { putToolsOnPath } from "../../scripts/tools-bin.js";
import { connectKubeconfig, syncedRevision } from "../../src/cluster/index.js";
import { tempDir } from "../helpers/fixtures.js";
import { GitHubState } from "../helpers/github-state.js";
import {
  type GitHubProxy,
  githubProxy,
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { OWNER, pushPayload, REPO, REPOSITORY_ID } from "../helpers/webhooks.js";
import { mockGitHubOnly, sha, ZERO } from "./app-harness.js";

const NS = `freeze-${Date.now().toString(36)}`;

// `2026-12-02T10:00:30`: an instant as a dates window writes it, in UTC.
const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19);

function tree(mode: string, until: string): Record<string, string> {
  return {
    ".github/capstan.yml": `environments:
  - name: web
    path: deploy
    renderer: plain
    cluster: test
    namespace: ${NS}
    healthTimeout: 60s
    drift: {mode: heal, grace: 1s}
    freeze:
      - name: release-train
        dates: {from: "2000-01-01", until: "${until}"}
`,
    "deploy/settings.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: ${mode}\n`,
  };
}

describe("a deploy freeze", () => {
  mockGitHubOnly();
  const bin = putToolsOnPath();
  const kubeconfig = inject("kubeconfig");
  const cluster = connectKubeconfig(kubeconfig);
  const work = tempDir("capstan-freeze-");
  const github = new GitHubState();
  const owner = { id: REPOSITORY_ID, name: `${OWNER}/${REPO}` };
  let proxy: GitHubProxy;
  let server: ServerProcess;
  const kubectl = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(join(bin, "kubectl"), ["--kubeconfig", kubeconfig, "-n", NS, ...args], (err, out, stderr) =>
        err ? reject(new Error(stderr)) : resolve(out),
      ),
    );
  const mode = () => kubectl(["get", "configmap", "settings", "-o", "jsonpath={.data.mode}"]);
  const deploymentsOf = (ref: string) =>
    github.deployments.filter((d) => d.ref === ref && d.environment === "web");
  const statuses = (ref: string) =>
    deploymentsOf(ref).map((d) => d.statuses.map((s) => `${s.state}: ${s.description}`));
  const push = async (before: string, after: string, files: Record<string, string>, message = "Merge") => {
    github.serveFiles(after, join(work.dir, after.slice(0, 1), "repo"), files);
    github.files.set(".github/capstan.yml", files[".github/capstan.yml"]!);
    github.branches.set("main", after);
    expect(
      await server.deliver("push", `push-${after.slice(0, 1)}`, pushPayload(before, after, message)),
    ).toBe(200);
  };
  async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 90_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}\n${JSON.stringify(github.deployments, null, 1)}\n${server.logs
            .slice(-30)
            .map((l) => JSON.stringify(l).slice(0, 300))
            .join("\n")}`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  beforeAll(async () => {
    proxy = await githubProxy();
    writeFileSync(
      join(work.dir, "server.yml"),
      `clusters:\n  test:\n    kubeconfig: ${kubeconfig}\nrepositories:\n  ${OWNER}/${REPO}:\n    clusters: [test]\nreconcile:\n  repositories: 2s\n  behind: 2s\n  previews: 1h\n  drift: 2s\n`,
    );
    server = await startServerProcess({
      proxy,
      config: join(work.dir, "server.yml"),
      cacheDir: join(work.dir, "cache"),
    });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await proxy?.stop();
    await kubectl(["delete", "namespace", NS, "--wait=false"]).catch(() => {});
    work.remove();
  });

  it("holds a merge inside the window, and the sweep deploys it once the window is over", async () => {
    const A = sha("a");
    // A whole second, and not on the minute: the window's end is written and said to the second.
    let ends = Math.ceil((Date.now() + 25_000) / 1000) * 1000;
    if (new Date(ends).getUTCSeconds() === 0) ends += 1000;
    github.mergedPulls.set(A, { number: 5, title: "Calm down", author: "mona", nodeId: "PR_5", labels: [] });
    await push(ZERO, A, tree("calm", utc(ends)));

    const held = await until("a held Deployment of A", () => statuses(A)[0]?.length === 1 && statuses(A)[0]);
    expect(held).toEqual([
      `queued: Frozen until ${utc(ends).replace("T", " ")} UTC (release-train, set in .github/capstan.yml)`,
    ]);
    const comment = await until("the held comment on #5", () => github.commentsOn(5)[0]);
    expect(comment.body).toContain("### ⏸️ Capstan holds `aaaaaaa`: a deploy freeze is on");
    expect(comment.body).toContain("| held by a freeze |");
    expect(comment.body).toContain(
      `**web** is frozen until ${utc(ends).replace("T", " ")} UTC (release-train, set in .github/capstan.yml). Nothing was applied; Capstan deploys \`aaaaaaa\` when the freeze ends, if it is still the head of \`main\`.`,
    );
    // Nothing reached the cluster while the window lasted.
    await expect(mode()).rejects.toThrow(/not found/);
    expect(Date.now()).toBeLessThan(ends);

    await until("A deployed after the window", () => statuses(A)[0]?.at(-1)?.startsWith("success"), 90_000);
    expect(Date.now()).toBeGreaterThanOrEqual(ends);
    // The held Deployment itself was carried on: one Deployment, queued, then synced, then done.
    expect(deploymentsOf(A)).toHaveLength(1);
    expect(statuses(A)[0]!.map((s) => s.split(":")[0])).toEqual(["queued", "in_progress", "success"]);
    expect(statuses(A)[0]![1]).toBe("in_progress: The freeze is over: syncing to cluster test");
    expect(await mode()).toBe("calm");
    expect(await syncedRevision(cluster, "web", NS, owner)).toBe(A);
    await until("the deployed comment on #5", () =>
      github.commentsOn(5).find((c) => c.body.includes("✅ Capstan deployed `aaaaaaa`")),
    );
    expect(proxy.invalid).toEqual([]);
  });

  it("lets Capstan's automatic revert through, saying so, and holds the next merge again", async () => {
    const A = sha("a");
    const B = sha("b");
    const C = sha("c");
    github.mergedPulls.set(B, {
      number: 6,
      title: 'Revert "Calm down"',
      author: "capstan[bot]",
      nodeId: "PR_6",
      labels: ["capstan:revert"],
    });
    await push(A, B, tree("reverted", "2999-01-01"), `Revert "Calm down"\n\nCapstan-Revert-Of: ${A}`);
    await until("B deployed during the freeze", () => statuses(B)[0]?.at(-1)?.startsWith("success"));
    expect(await mode()).toBe("reverted");
    const note = await until("the comment on #6", () => github.commentsOn(6)[0]);
    expect(note.body).toContain(
      "web is frozen until 2999-01-01 00:00 UTC (release-train, set in .github/capstan.yml), and was deployed all the same: bbbbbbb is Capstan's automatic revert, which restores what was reviewed and ran before.",
    );

    github.mergedPulls.set(C, { number: 8, title: "Busy", author: "mona", nodeId: "PR_8", labels: [] });
    await push(B, C, tree("busy", "2999-01-01"));
    await until("C held", () =>
      statuses(C)[0]?.at(-1)?.startsWith("queued: Frozen until 2999-01-01 00:00 UTC"),
    );
    // A few sweeps later: still held, still one Deployment, and the cluster still runs the revert.
    await new Promise((r) => setTimeout(r, 6000));
    expect(deploymentsOf(C)).toHaveLength(1);
    expect(statuses(C)[0]).toHaveLength(1);
    expect(await mode()).toBe("reverted");

    // A newer merge during the freeze is held in its place: C's Deployment stops waiting, saying why.
    const D = sha("d");
    github.mergedPulls.set(D, { number: 9, title: "Busier", author: "mona", nodeId: "PR_9", labels: [] });
    await push(C, D, tree("busier", "2999-01-01"));
    await until("D held", () => statuses(D)[0]?.at(-1)?.startsWith("queued: Frozen until"));
    await until("C superseded", () => statuses(C)[0]?.length === 2);
    expect(statuses(C)[0]![1]).toBe("inactive: Superseded by ddddddd, which deploys instead");
    expect(await mode()).toBe("reverted");
    expect(proxy.invalid).toEqual([]);
  });

  it("reports a live change during the freeze but does not heal it: it may be someone's emergency fix", async () => {
    await kubectl(["patch", "configmap", "settings", "--type=merge", "-p", '{"data":{"mode":"hotfix"}}']);
    const notHealed = await until("the drift sweep declining to heal", () =>
      server.logs.find((l) => l.msg === "drift not healed" && String(l.reason).includes("frozen until")),
    );
    expect(notHealed.reason).toBe(
      "the environment is frozen until 2999-01-01 00:00 UTC (release-train, set in .github/capstan.yml)",
    );
    await until("the drift issue", () => github.issues.find((i) => i.title === "Drift: web (test)"));
    // Two more sweeps: still the hand-made value.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await mode()).toBe("hotfix");
    expect(github.deployments.filter((d) => d.task === "deploy:heal")).toEqual([]);
  });

  it("deploys at once a reviewed merge that ends the window, and the held merge it replaces stops waiting", async () => {
    const [D, E] = [sha("d"), sha("e")];
    github.mergedPulls.set(E, { number: 10, title: "Thaw", author: "mona", nodeId: "PR_10", labels: [] });
    await push(D, E, tree("thawed", "2000-01-02"));
    await until("E deployed", () => statuses(E)[0]?.at(-1)?.startsWith("success"));
    expect(await mode()).toBe("thawed");
    await until("D superseded", () => statuses(D)[0]?.length === 2);
    expect(statuses(D)[0]![1]).toBe("inactive: Superseded by eeeeeee, which deploys instead");
    expect(proxy.invalid).toEqual([]);
  });
});
