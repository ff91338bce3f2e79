// GitHub write pacing shared by the fleet: three real server processes with REDIS_URL pointing at a real
// redis-server draw on one budget per installation. The budget is set tiny here (12 writes an hour, 2
// kept for deploys, a second apart), so a burst of previews spread over the replicas must stop at 10
// writes in all, their slots a second apart, instead of 10 per replica.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "../helpers/fixtures.js";
import { GitHubState } from "../helpers/github-state.js";
import { type RedisServer, startRedis } from "../helpers/redis.js";
import {
  type GitHubProxy,
  githubProxy,
  type ServerProcess,
  startServerProcess,
} from "../helpers/server-process.js";
import { examplePayload, INSTALLATION } from "../helpers/webhooks.js";
import { mockGitHubOnly, sha } from "./app-harness.js";

const config = "environments:\n  - name: staging\n    path: deploy\n    renderer: plain\n";
const settings = (mode: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: ${mode}\n`;

describe("GitHub writes shared through Redis", () => {
  mockGitHubOnly();
  const work = tempDir("capstan-redis-");
  const github = new GitHubState();
  let redis: RedisServer;
  let proxy: GitHubProxy;
  let servers: ServerProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    proxy = await githubProxy();
    writeFileSync(
      join(work.dir, "server.yml"),
      "clusters: {}\nreconcile:\n  enabled: false\ngithubWrites:\n  spacing: 1s\n  perHour: 12\n  reservedForDeploys: 2\n",
    );
    for (const [id, mode] of [
      ["a", "calm"],
      ["b", "busy"],
    ] as const) {
      github.serveFiles(sha(id), join(work.dir, id, "repo"), {
        ".github/capstan.yml": config,
        "deploy/settings.yaml": settings(mode),
      });
    }
    servers = await Promise.all(
      [0, 1, 2].map((i) =>
        startServerProcess({
          proxy,
          config: join(work.dir, "server.yml"),
          cacheDir: join(work.dir, `cache-${i}`),
          env: { REDIS_URL: redis.url },
        }),
      ),
    );
  }, 120_000);

  afterAll(async () => {
    // Killed, not stopped: their remaining previews wait an hour for the budget, by design.
    await Promise.all(servers.map((s) => s.kill()));
    await proxy?.stop();
    await redis?.stop();
    work.remove();
  });

  it("keeps the fleet's preview writes within one budget, a second apart", async () => {
    const prs = [31, 32, 33, 34, 35, 36];
    for (const [i, number] of prs.entries()) {
      github.prHeads.set(number, { head: sha("b"), base: sha("a") });
      const payload = examplePayload("pull_request", "opened", {
        number,
        pull_request: { number, base: { sha: sha("a") }, head: { sha: sha("b") } },
      });
      expect(await servers[i % 3]!.deliver("pull_request", `shared-${number}`, payload)).toBe(200);
    }
    // Each preview writes a comment and two check runs: 18 writes wanted, 10 allowed this hour.
    const writes = () => proxy.sent.filter((r) => r.method !== "GET" && !r.path.includes("/access_tokens"));
    // Three servers rendering on two cores (beside the rest of the suite) take a while to get there.
    const deadline = Date.now() + 150_000;
    while (writes().length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(writes()).toHaveLength(10);
    // Nothing more comes: every replica is waiting for the fleet's budget.
    await new Promise((r) => setTimeout(r, 5000));
    expect(writes()).toHaveLength(10);
    // The slots, as Redis recorded them on its own clock: ten, each a second after the one before. (A
    // write reaches GitHub after its slot by however long sending takes, so arrivals may bunch a little.)
    const client = new Redis(redis.url);
    const slots = (await client.zrange(`capstan:writes:${INSTALLATION}`, 0, -1, "WITHSCORES"))
      .filter((_, i) => i % 2 === 1)
      .map(Number);
    client.disconnect();
    expect(slots).toHaveLength(10);
    for (const [i, slot] of slots.slice(1).entries()) expect(slot - slots[i]!).toBeGreaterThanOrEqual(1000);
    const waiting = servers.filter((s) => s.logs.some((l) => String(l.msg).includes("Redis is unreachable")));
    expect(waiting).toEqual([]);
    expect(proxy.invalid).toEqual([]);
  }, 240_000);
});
