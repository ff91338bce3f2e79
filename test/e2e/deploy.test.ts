import yaml from "js-yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { type ClusterClient, clientFor, withLease } from "../../src/cluster/index.js";
import { parseConfig } from "../../src/config/index.js";
import { deployEnvironment } from "../../src/flows/deploy.js";
import { unhealthyLines } from "../../src/health/index.js";
import { buildObjectSet, parseDocuments } from "../../src/manifests/index.js";
import { deployment, testCluster } from "./helpers.js";

// Deploying = lease, sync, health wait, as `capstan sync --wait` and the merge flow do it.
describe("deploying an environment (sync under its Lease, then a watch-based health wait)", () => {
  let client: ClusterClient;
  beforeAll(() => {
    client = clientFor("test", testCluster().config);
  });

  const environment = (name: string, namespace: string) =>
    parseConfig(`environments:\n  - name: ${name}\n    path: deploy\n    namespace: ${namespace}\n`)
      .environments[0]!;
  const manifests = (namespace: string, ...objects: object[]) =>
    buildObjectSet(
      parseDocuments(objects.map((o) => yaml.dump(o)).join("---\n"), "deploy.yaml").documents,
      namespace,
    );
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

  it("reports a healthy 3-replica rollout as Healthy", async () => {
    const ns = unique("deploy-ok");
    const result = await deployEnvironment({
      cluster: client,
      environment: environment("ok", ns),
      manifests: manifests(ns, deployment(ns, "api", 3)),
      revision: "r1",
      wait: true,
      timeoutMs: 60_000,
    });
    expect(result.sync.succeeded).toBe(true);
    expect(result.health?.status).toBe("Healthy");
    expect(result.health?.timedOut).toBe(false);
    const live = await testCluster().apps.readNamespacedDeployment({ namespace: ns, name: "api" });
    expect(live.status?.availableReplicas).toBe(3);
  });

  it("fails fast with Degraded and ProgressDeadlineExceeded when the pods crashloop", async () => {
    const ns = unique("deploy-crash");
    const result = await deployEnvironment({
      cluster: client,
      environment: environment("crash", ns),
      manifests: manifests(ns, deployment(ns, "api", 2, { fail: "crashloop", progressDeadlineSeconds: 5 })),
      revision: "r1",
      wait: true,
      timeoutMs: 90_000,
    });
    expect(result.sync.succeeded).toBe(true);
    expect(result.health?.status).toBe("Degraded");
    expect(result.health?.timedOut).toBe(false);
    expect(unhealthyLines(result.health!)).toEqual([
      expect.stringMatching(new RegExp(`^Deployment/${ns}/api: Degraded \\(.*progress deadline`)),
    ]);
  });

  it("names every object still not Healthy when the wait times out", async () => {
    const ns = unique("deploy-stuck");
    const result = await deployEnvironment({
      cluster: client,
      environment: environment("stuck", ns),
      manifests: manifests(
        ns,
        deployment(ns, "ready", 1),
        deployment(ns, "stuck", 2, { fail: "never-ready" }),
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { a: "1" } },
      ),
      revision: "r1",
      wait: true,
      timeoutMs: 4_000,
    });
    expect(result.health?.timedOut).toBe(true);
    expect(result.health?.status).toBe("Progressing");
    expect(unhealthyLines(result.health!)).toEqual([
      expect.stringMatching(new RegExp(`^Deployment/${ns}/stuck: Progressing \\(.+\\)$`)),
    ]);
    expect(result.health?.objects.map((o) => `${o.ref.name}:${o.status}`).sort()).toEqual([
      "ready:Healthy",
      "stuck:Progressing",
    ]);
  });

  it("serializes two concurrent deploys of one environment through its Lease", async () => {
    const ns = unique("deploy-lease");
    const env = environment("locked", ns);
    // Two clients with two holder identities stand for two Capstan processes.
    const spans: Array<{ who: string; at: number }> = [];
    const run = (who: string, value: string) =>
      deployEnvironment({
        cluster: clientFor(who, testCluster().config),
        environment: env,
        manifests: manifests(
          ns,
          ...Array.from({ length: 12 }, (_, i) => ({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: `cm-${i}` },
            data: { writer: value },
          })),
        ),
        revision: who,
        wait: false,
        lease: { holder: who, pollMs: 100 },
        onResult: () => spans.push({ who, at: Date.now() }),
      });
    const [a, b] = await Promise.all([run("first", "1"), run("second", "2")]);
    expect(a.sync.succeeded && b.sync.succeeded).toBe(true);
    // Every apply of one deploy happened before every apply of the other: no interleaving.
    const order = spans.map((s) => s.who);
    const switches = order.filter((who, i) => i > 0 && who !== order[i - 1]).length;
    expect(order).toHaveLength(24);
    expect(switches).toBe(1);
    const last = order.at(-1)!;
    const cm = await testCluster().core.readNamespacedConfigMap({ namespace: ns, name: "cm-0" });
    expect(cm.data?.writer).toBe(last === "first" ? "1" : "2");
    const lease = await testCluster()
      .config.makeApiClient((await import("@kubernetes/client-node")).CoordinationV1Api)
      .readNamespacedLease({ namespace: ns, name: "capstan-locked" });
    expect(lease.spec?.holderIdentity).toBeUndefined();
    expect(lease.spec?.leaseTransitions).toBe(1);
  });

  it("waits for a live holder, names it when giving up, and takes over a crashed holder's lease", async () => {
    const ns = unique("lease");
    await testCluster().core.createNamespace({ body: { metadata: { name: ns } } });
    const lease = { name: "capstan-env", namespace: ns, durationSeconds: 2, pollMs: 100 };
    let release!: () => void;
    const held = withLease(
      client,
      { ...lease, holder: "alive" },
      () => new Promise<void>((r) => (release = r)),
    );
    await new Promise((r) => setTimeout(r, 300));
    // The holder keeps renewing, so the lease never expires while it runs.
    await expect(
      withLease(client, { ...lease, holder: "waiting", waitMs: 3_000 }, async () => "ran"),
    ).rejects.toThrow(/lease .*capstan-env is held by alive \(renewed .*\); gave up waiting after 3 s/);
    release();
    await held;
    expect(await withLease(client, { ...lease, holder: "next", waitMs: 1_000 }, async () => "ran")).toBe(
      "ran",
    );

    // A holder that crashed: its lease names it but is no longer renewed.
    const { CoordinationV1Api, V1MicroTime } = await import("@kubernetes/client-node");
    const api = testCluster().config.makeApiClient(CoordinationV1Api);
    const current = await api.readNamespacedLease({ namespace: ns, name: "capstan-env" });
    await api.replaceNamespacedLease({
      namespace: ns,
      name: "capstan-env",
      body: {
        ...current,
        spec: {
          holderIdentity: "crashed",
          leaseDurationSeconds: 2,
          renewTime: new V1MicroTime(Date.now() - 1_000),
        },
      },
    });
    const started = Date.now();
    expect(
      await withLease(client, { ...lease, holder: "successor", waitMs: 10_000 }, async () => "ran"),
    ).toBe("ran");
    // It waited for the rest of the crashed holder's 2 s, no more.
    expect(Date.now() - started).toBeGreaterThan(700);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
