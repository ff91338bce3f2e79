import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { V1ConfigMap } from "@kubernetes/client-node";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  apply,
  condition,
  deployment,
  type TestCluster,
  testCluster,
  testNamespace,
  watchDeployment,
} from "./helpers.js";

const run = promisify(execFile);

// The test cluster itself: a real apiserver, real controllers and kwok nodes, reached through the same
// client library Capstan uses.
describe("the test cluster", () => {
  let cluster: TestCluster;
  let namespace: string;
  beforeAll(async () => {
    cluster = testCluster();
    namespace = await testNamespace(cluster, "cluster");
  });

  it("reports the Kubernetes version it was built at, through kubectl", async () => {
    const { stdout } = await run("kubectl", ["--kubeconfig", inject("kubeconfig"), "version", "-o", "json"]);
    const version = JSON.parse(stdout) as {
      serverVersion: { gitVersion: string };
      clientVersion: { gitVersion: string };
    };
    expect(version.serverVersion.gitVersion).toBe(inject("kubeVersion"));
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.3[4-6]\.\d+$/);
    expect(version.clientVersion.gitVersion).toBe(version.serverVersion.gitVersion);
  });

  it("applies server-side through @kubernetes/client-node, and a no-op re-apply changes nothing", async () => {
    const configMap: V1ConfigMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "ssa", namespace },
      data: { a: "1" },
    };
    const first = await apply(cluster, configMap);
    const again = await apply(cluster, configMap);
    expect(again.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    expect(first.metadata?.managedFields?.map((f) => [f.manager, f.operation])).toEqual([
      ["capstan", "Apply"],
    ]);
    const changed = await apply(cluster, { ...configMap, data: { a: "2" } });
    expect(changed.metadata?.resourceVersion).not.toBe(first.metadata?.resourceVersion);
  });

  it("rolls out a 3-replica Deployment to Available, seen through a watch", async () => {
    await apply(cluster, deployment(namespace, "web", 3));
    const ready = await watchDeployment(
      cluster,
      namespace,
      "web",
      (d) => d.status?.availableReplicas === 3 && condition(d, "Available")?.status === "True",
      60_000,
    );
    expect(ready.status?.readyReplicas).toBe(3);
    const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector: "app=web" });
    expect(pods.items.map((p) => p.spec?.nodeName?.startsWith("kwok-node-"))).toEqual([true, true, true]);
  });

  it("gives a crashlooping Deployment ProgressDeadlineExceeded, as a real cluster does", async () => {
    const crashy = deployment(namespace, "crashy", 1, { fail: "crashloop", progressDeadlineSeconds: 10 });
    await apply(cluster, crashy);
    const stuck = await watchDeployment(
      cluster,
      namespace,
      "crashy",
      (d) => condition(d, "Progressing")?.reason === "ProgressDeadlineExceeded",
      90_000,
    );
    expect(condition(stuck, "Progressing")?.status).toBe("False");
    const [pod] = (await cluster.core.listNamespacedPod({ namespace, labelSelector: "app=crashy" })).items;
    const status = pod?.status?.containerStatuses?.[0];
    expect(status?.state?.waiting?.reason).toBe("CrashLoopBackOff");
    expect(status?.restartCount).toBeGreaterThan(0);
    expect(status?.ready).toBe(false);
  });

  it("keeps never-ready pods Running but not Ready, so the Deployment never becomes available", async () => {
    await apply(cluster, deployment(namespace, "sleepy", 1, { fail: "never-ready" }));
    const pods = () => cluster.core.listNamespacedPod({ namespace, labelSelector: "app=sleepy" });
    await expect
      .poll(async () => (await pods()).items[0]?.status?.phase, { timeout: 30_000 })
      .toBe("Running");
    const [pod] = (await pods()).items;
    expect(pod?.status?.containerStatuses?.[0]?.started).toBe(true);
    expect(pod?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    // The pod has been Running for a while: a ready pod would have made the Deployment available by now.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const { status } = await cluster.apps.readNamespacedDeployment({ namespace, name: "sleepy" });
    expect(status?.availableReplicas ?? 0).toBe(0);
    expect(status?.unavailableReplicas).toBe(1);
  });
});
