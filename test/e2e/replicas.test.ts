// Several replicas, one leader: three real server processes on loopback, the real test cluster holding
// their leader Lease, GitHub mocked behind the loopback proxy. Only the Lease holder runs the sweeps; a
// killed leader is replaced within the lease duration; webhooks spread over the replicas (and delivered
// twice, to two of them) still give one sticky comment per pull request.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { putToolsOnPath } from "../../scripts/tools-bin.js";
import { tempDir } from "../helpers/fixtures.js";
import { GitHubState } from "../helpers/github-state.js";
import {
  type GitHubProxy,
  githubProxy,
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { examplePayload } from "../helpers/webhooks.js";
import { mockGitHubOnly, sha } from "./app-harness.js";

const ns = `capstan-leader-${Date.now().toString(36)}`;
const config = `environments:\n  - name: staging\n    path: deploy\n    renderer: plain\n    namespace: ${ns}-app\n`;
const LEASE_MS = 4000;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// `capstan_leader` as this replica's /metrics says it.
async function leads(server: ServerProcess): Promise<boolean> {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  return /^capstan_leader 1$/m.test(text);
}

describe("three replicas, one leader", () => {
  mockGitHubOnly();
  const bin = putToolsOnPath();
  const kubeconfig = inject("kubeconfig");
  const work = tempDir("capstan-replicas-");
  const github = new GitHubState();
  let proxy: GitHubProxy;
  let servers: ServerProcess[] = [];
  const kubectl = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(join(bin, "kubectl"), ["--kubeconfig", kubeconfig, ...args], (err, out, stderr) =>
        err ? reject(new Error(stderr)) : resolve(out),
      ),
    );
  const commit = (id: string, files: Record<string, string>) =>
    github.serveFiles(id, join(work.dir, id, "repo"), files);
  const discoveries = (server: ServerProcess) =>
    server.logs.filter((l) => l.msg === "reconcile: repositories discovered").length;

  beforeAll(async () => {
    await kubectl("create", "namespace", ns);
    proxy = await githubProxy();
    writeFileSync(
      join(work.dir, "server.yml"),
      `clusters:\n  test:\n    kubeconfig: ${kubeconfig}\nrepositories:\n  Codertocat/Hello-World:\n    clusters: [test]\nreconcile:\n  repositories: 1s\n  previews: 1s\nleaderElection:\n  cluster: test\n  namespace: ${ns}\n  leaseDuration: ${LEASE_MS / 1000}s\n  renewDeadline: 3s\n  retryPeriod: 1s\n`,
    );
    commit(sha("a"), {
      ".github/capstan.yml": config,
      "deploy/settings.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: calm\n",
    });
    github.files.set(".github/capstan.yml", config);
    github.branches.set("main", sha("a"));
    const settings = { proxy, config: join(work.dir, "server.yml") };
    servers = await Promise.all(
      [0, 1, 2].map((i) => startServerProcess({ ...settings, cacheDir: join(work.dir, `cache-${i}`) })),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await proxy?.stop();
    await kubectl("delete", "namespace", ns, "--wait=false").catch(() => {});
    work.remove();
  });

  it("elects one leader, and only the leader sweeps", async () => {
    await until("a leader", async () => (await Promise.all(servers.map(leads))).some(Boolean));
    // Sampled for a while: never two at once.
    for (let i = 0; i < 15; i++) {
      expect((await Promise.all(servers.map(leads))).filter(Boolean)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 200));
    }
    const flags = await Promise.all(servers.map(leads));
    const leader = servers[flags.indexOf(true)]!;
    await until("the leader's discoveries", () => discoveries(leader) >= 2);
    for (const other of servers.filter((s) => s !== leader)) expect(discoveries(other)).toBe(0);
    expect(proxy.invalid).toEqual([]);
  });

  it("replaces a leader killed with SIGKILL within the lease duration", async () => {
    const flags = await Promise.all(servers.map(leads));
    const leader = servers[flags.indexOf(true)]!;
    await leader.kill();
    const killed = Date.now();
    servers = servers.filter((s) => s !== leader);
    const next = await until("a new leader", async () => {
      const now = await Promise.all(servers.map(leads));
      return now.includes(true) ? servers[now.indexOf(true)] : undefined;
    });
    // The lease duration, one retry period, and a second of scheduling on a loaded machine.
    expect(Date.now() - killed).toBeLessThan(LEASE_MS + 1000 + 1000);
    const before = discoveries(next!);
    await until("the new leader's sweeps", () => discoveries(next!) > before);
    expect((await Promise.all(servers.map(leads))).filter(Boolean)).toHaveLength(1);
  });

  it("gives one sticky comment per pull request for a burst spread over the replicas, each delivered twice", async () => {
    const prs = [11, 12, 13, 14, 15, 16];
    commit(sha("b"), {
      ".github/capstan.yml": config,
      "deploy/settings.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: busy\n",
    });
    const deliveries: Promise<number>[] = [];
    for (const [i, number] of prs.entries()) {
      github.prHeads.set(number, { head: sha("b"), base: sha("a") });
      const payload = examplePayload("pull_request", "opened", {
        number,
        pull_request: { number, base: { sha: sha("a") }, head: { sha: sha("b") } },
      });
      // A redelivery reaches another replica: the same delivery id, which that replica has not seen.
      for (const server of [servers[i % servers.length]!, servers[(i + 1) % servers.length]!])
        deliveries.push(server.deliver("pull_request", `burst-${number}`, payload));
    }
    expect(new Set(await Promise.all(deliveries))).toEqual(new Set([200]));
    const ours = (number: number) =>
      github.commentsOn(number).filter((c) => c.body.startsWith("<!-- capstan:preview part=1 -->"));
    await until("a comment on every PR", () => prs.every((n) => ours(n).length > 0), 120_000);
    // Let every replica's preview finish (each writes its checks after the comment), then count.
    await until(
      "both checks on the head",
      () => github.checkRuns.filter((r) => r.head_sha === sha("b")).length >= 2,
    );
    let settled = "";
    await until(
      "the comments to settle",
      async () => {
        const now = JSON.stringify(prs.map((n) => ours(n).length));
        const same = now === settled;
        settled = now;
        await new Promise((r) => setTimeout(r, 3000));
        return same;
      },
      120_000,
    );
    expect(prs.map((n) => ours(n).length)).toEqual(prs.map(() => 1));
    expect(proxy.invalid).toEqual([]);
  }, 240_000);
});
