import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OwnCluster, startOwnCluster } from "../../scripts/cluster/own-cluster.js";
import { APPLYSET, type ClusterClient, clientFor, SYNC_RECORD } from "../../src/cluster/index.js";
import { parseConfig } from "../../src/config/index.js";
import { deployEnvironment } from "../../src/flows/deploy.js";
import { buildObjectSet, formatRef, parseDocuments } from "../../src/manifests/index.js";

// This suite stops an apiserver, so it runs a cluster of its own instead of the shared one.
describe("the apiserver going away in the middle of a sync", () => {
  let own: OwnCluster;
  let client: ClusterClient;
  let core: CoreV1Api;
  const ns = "outage";
  const environment = parseConfig(`environments:\n  - name: web\n    path: deploy\n    namespace: ${ns}\n`)
    .environments[0]!;
  const configMaps = (names: string[], value: string, wave = "0") =>
    buildObjectSet(
      parseDocuments(
        names
          .map((name) =>
            yaml.dump({
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: {
                name,
                annotations: { "capstan.dev/sync-wave": name.startsWith("late") ? "1" : wave },
              },
              data: { value },
            }),
          )
          .join("---\n"),
        "web.yaml",
      ).documents,
      ns,
    );
  const names = async () =>
    (await core.listNamespacedConfigMap({ namespace: ns })).items
      .map((c) => c.metadata!.name!)
      .filter((n) => n !== "kube-root-ca.crt")
      .sort();
  const parent = () => core.readNamespacedConfigMap({ namespace: ns, name: "capstan-web" });

  beforeAll(() => {
    own = startOwnCluster("capstan-e2e-cluster-outage-");
    const config = new KubeConfig();
    config.loadFromFile(own.kubeconfig);
    client = clientFor("outage", config);
    core = config.makeApiClient(CoreV1Api);
  }, 120_000);
  afterAll(() => own?.down(), 60_000);

  it("fails clearly, prunes nothing and keeps the last revision; a later sync completes", async () => {
    const early = ["early-0", "early-1", "early-2", "early-3", "early-4", "early-5", "early-6", "early-7"];
    const late = Array.from({ length: 16 }, (_, i) => `late-${String(i).padStart(2, "0")}`);
    const first = await deployEnvironment({
      cluster: client,
      environment,
      manifests: configMaps([...early, "removed"], "1"),
      revision: "rev1",
      wait: false,
      lease: { holder: "first", durationSeconds: 3 },
    });
    expect(first.sync.succeeded).toBe(true);

    // Revision 2 drops "removed" and adds a later wave; the apiserver stops once the first wave is applied.
    let stopped = false;
    const second = await deployEnvironment({
      cluster: client,
      environment,
      manifests: configMaps([...early, ...late], "2"),
      revision: "rev2",
      wait: false,
      lease: { holder: "second", durationSeconds: 3 },
      onResult: () => {
        if (stopped) return;
        stopped = true;
        own.run("stop", "kube-apiserver");
      },
    });
    expect(second.sync.succeeded).toBe(false);
    const failed = second.sync.applied.filter((r) => r.action === "failed");
    expect(failed.map((r) => formatRef(r.ref))).toEqual(late.map((n) => `ConfigMap/${ns}/${n}`));
    expect(failed[0]!.error!.message).toMatch(
      // Either the apply itself found the apiserver gone, or the lease's renewal did first and the
      // remaining objects were not sent; both name the cause.
      /^ConfigMap\/outage\/late-00 (read|apply) failed \((cluster unreachable\)|Error\): not sent: the lease outage\/capstan-web could not be renewed): .*(ECONN|socket hang up)/,
    );
    expect(second.sync.pruned).toEqual([]);
    expect(second.sync.problems[0]).toBe("16 object(s) failed to apply, so nothing was pruned");
    // The final record is either refused by the missing apiserver or, the lease lost, not attempted.
    for (const problem of second.sync.problems.slice(1)) {
      expect(problem).toMatch(
        /^the sync's record could not be written to ConfigMap\/outage\/capstan-web: .*(ECONN|socket hang up)/,
      );
    }

    own.run("start", "kube-apiserver");
    // Nothing was pruned, and the parent still records revision 1 with the union written before applying.
    expect(await names()).toEqual(["capstan-web", ...early, "removed"].sort());
    const kept = await parent();
    expect(kept.metadata?.annotations?.[SYNC_RECORD.revision]).toBe("rev1");
    expect(kept.metadata?.annotations?.[APPLYSET.groupKinds]).toBe("ConfigMap");

    // The next sync (another process: it takes over the lease the failed one could not release) completes.
    const third = await deployEnvironment({
      cluster: client,
      environment,
      manifests: configMaps([...early, ...late], "2"),
      revision: "rev2",
      wait: false,
      lease: { holder: "third", durationSeconds: 3, pollMs: 200 },
    });
    expect(third.sync.succeeded).toBe(true);
    expect(third.sync.pruned.map((p) => formatRef(p.ref))).toEqual([`ConfigMap/${ns}/removed`]);
    expect(await names()).toEqual(["capstan-web", ...early, ...late].sort());
    expect((await parent()).metadata?.annotations?.[SYNC_RECORD.revision]).toBe("rev2");
  }, 120_000);
});
