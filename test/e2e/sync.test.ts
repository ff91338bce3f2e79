import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  APPLYSET,
  applySetId,
  connect,
  defaultSyncOptions,
  SYNC_RECORD,
  syncEnvironment,
} from "../../src/cluster/index.js";
import { parseServerConfig } from "../../src/config/index.js";
import { buildObjectSet, formatRef, parseDocuments } from "../../src/manifests/index.js";
import { apply, testCluster } from "./helpers.js";

const cm = (name: string, extra = "") =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data: {a: "1"}\n`;

describe("syncing an environment with an ApplySet against the real apiserver", () => {
  const ns = `sync-${Date.now().toString(36)}`;
  let client: ReturnType<typeof connect>;
  const objects = (yaml: string) => buildObjectSet(parseDocuments(yaml, "sync.yaml").documents, ns);
  const sync = (yaml: string, revision: string, extra: Partial<Parameters<typeof syncEnvironment>[2]> = {}) =>
    syncEnvironment(client, objects(yaml), {
      ...defaultSyncOptions(),
      environment: "web",
      namespace: ns,
      revision,
      ...extra,
    });
  const names = async () =>
    (await testCluster().core.listNamespacedConfigMap({ namespace: ns })).items
      .map((c) => c.metadata!.name!)
      .filter((n) => n !== "kube-root-ca.crt")
      .sort();
  const parent = () => testCluster().core.readNamespacedConfigMap({ namespace: ns, name: "capstan-web" });

  beforeAll(() => {
    client = connect(
      parseServerConfig(`clusters:\n  test:\n    kubeconfig: ${inject("kubeconfig")}\n`, "server.yml"),
      "test",
    );
  });

  it("applies the objects as members of the environment's ApplySet and records the revision", async () => {
    const result = await sync(
      [cm("a"), cm("b"), cm("keep", "  annotations: {capstan.dev/prune: disabled}\n")].join("---\n"),
      "rev1",
    );
    expect(result.succeeded).toBe(true);
    expect(result.applied.map((r) => [formatRef(r.ref), r.action])).toEqual([
      [`ConfigMap/${ns}/a`, "created"],
      [`ConfigMap/${ns}/b`, "created"],
      [`ConfigMap/${ns}/keep`, "created"],
    ]);
    const id = applySetId({ name: "capstan-web", namespace: ns, kind: "ConfigMap", group: "" });
    const p = await parent();
    expect(p.metadata?.labels?.[APPLYSET.id]).toBe(id);
    expect(p.metadata?.annotations?.[APPLYSET.groupKinds]).toBe("ConfigMap");
    expect(p.metadata?.annotations?.[SYNC_RECORD.revision]).toBe("rev1");
    const a = await testCluster().core.readNamespacedConfigMap({ namespace: ns, name: "a" });
    expect(a.metadata?.labels?.[APPLYSET.partOf]).toBe(id);
  });

  it("prunes a removed member, but never an unowned look-alike or a member that opted out", async () => {
    await apply(testCluster(), {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "unowned", namespace: ns },
      data: { x: "1" },
    });
    const result = await sync(cm("a"), "rev2");
    expect(result.pruned.map((p) => formatRef(p.ref))).toEqual([`ConfigMap/${ns}/b`]);
    expect(await names()).toEqual(["a", "capstan-web", "keep", "unowned"]);
    expect((await parent()).metadata?.annotations?.[SYNC_RECORD.revision]).toBe("rev2");
  });

  it("prunes nothing and keeps the recorded revision when an apply fails", async () => {
    const result = await sync(
      `${cm("c")}---\napiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: 99999}]}\n`,
      "rev3",
    );
    expect(result.succeeded).toBe(false);
    expect(result.pruned).toEqual([]);
    expect(await names()).toEqual(["a", "c", "capstan-web", "keep", "unowned"]);
    const p = await parent();
    expect(p.metadata?.annotations?.[SYNC_RECORD.revision]).toBe("rev2");
    expect(p.metadata?.annotations?.[SYNC_RECORD.result]).toBe("failed at rev3");
    // The union stays recorded, so the next good sync still prunes what the failed one created.
    expect(p.metadata?.annotations?.[APPLYSET.groupKinds]).toBe("ConfigMap,Service");
    const next = await sync(cm("a"), "rev4");
    expect(next.pruned.map((x) => formatRef(x.ref))).toEqual([`ConfigMap/${ns}/c`]);
  });

  it("refuses a sync that would prune everything, writing nothing", async () => {
    await expect(sync("", "rev5")).rejects.toThrow("the sync would prune every object; refused");
    expect(await names()).toEqual(["a", "capstan-web", "keep", "unowned"]);
  });

  it("re-syncs unchanged objects without a request each, yet still heals drift and drops removed fields", async () => {
    const ns2 = `${ns}-fast`;
    const env = (yaml: string, revision: string) =>
      syncEnvironment(client, buildObjectSet(parseDocuments(yaml, "fast.yaml").documents, ns2), {
        ...defaultSyncOptions(),
        environment: "fast",
        namespace: ns2,
        revision,
      });
    const labelled = cm("f", "  labels: {tier: web}\n");
    await env([labelled, cm("g")].join("---\n"), "r1");
    const rv = async (name: string) =>
      (await testCluster().core.readNamespacedConfigMap({ namespace: ns2, name })).metadata!.resourceVersion;
    const before = [await rv("f"), await rv("g")];
    const noop = await env([labelled, cm("g")].join("---\n"), "r2");
    expect(noop.applied.map((r) => r.action)).toEqual(["unchanged", "unchanged"]);
    expect([await rv("f"), await rv("g")]).toEqual(before);

    // Someone edits a field Capstan owns: the next sync puts it back.
    await testCluster().core.patchNamespacedConfigMap({
      namespace: ns2,
      name: "g",
      body: [{ op: "replace", path: "/data/a", value: "drift" }],
    });
    const healed = await env([labelled, cm("g")].join("---\n"), "r3");
    expect(healed.applied.map((r) => `${r.ref.name} ${r.action}`)).toEqual(["f unchanged", "g configured"]);
    expect((await testCluster().core.readNamespacedConfigMap({ namespace: ns2, name: "g" })).data?.a).toBe(
      "1",
    );

    // A label removed from the manifest is removed live, though every remaining value still holds.
    const removed = await env([cm("f"), cm("g")].join("---\n"), "r4");
    expect(removed.applied.map((r) => `${r.ref.name} ${r.action}`)).toEqual(["f configured", "g unchanged"]);
    expect(
      (await testCluster().core.readNamespacedConfigMap({ namespace: ns2, name: "f" })).metadata?.labels
        ?.tier,
    ).toBeUndefined();
  });

  it("keeps a cluster-scoped custom resource whose CRD is installed separately (never prunes it)", async () => {
    const group = `scope${Date.now().toString(36)}.capstan.test`;
    await apply(testCluster(), {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `clusterthings.${group}` },
      spec: {
        group,
        scope: "Cluster",
        names: { plural: "clusterthings", singular: "clusterthing", kind: "ClusterThing" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
              },
            },
          },
        ],
      },
    } as never);
    // Wait until the apiserver serves the new kind.
    const crds = testCluster().config.makeApiClient(
      (await import("@kubernetes/client-node")).ApiextensionsV1Api,
    );
    for (let i = 0; i < 50; i++) {
      const crd = await crds.readCustomResourceDefinition({ name: `clusterthings.${group}` });
      if (crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const thing = `apiVersion: ${group}/v1\nkind: ClusterThing\nmetadata:\n  name: shared\nspec: {size: 1}\n`;
    const run = (revision: string) =>
      syncEnvironment(client, objects([thing, cm("beside")].join("---\n")), {
        ...defaultSyncOptions(),
        environment: "scoped",
        namespace: ns,
        revision,
      });
    const first = await run("s1");
    expect(first.applied.map((r) => [formatRef(r.ref), r.action])).toEqual([
      [`ConfigMap/${ns}/beside`, "created"],
      ["ClusterThing/shared", "created"],
    ]);
    const second = await run("s2");
    expect(second.pruned).toEqual([]);
    expect(second.applied.map((r) => r.action)).toEqual(["unchanged", "unchanged"]);
    const live = await client.objects.read({
      apiVersion: `${group}/v1`,
      kind: "ClusterThing",
      metadata: { name: "shared" },
    });
    expect(live.metadata?.name).toBe("shared");
  });

  it("refuses a parent that another tool owns", async () => {
    await apply(testCluster(), {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "capstan-other", namespace: ns, labels: { [APPLYSET.id]: "applyset-xyz-v1" } },
    });
    await expect(
      syncEnvironment(client, objects(cm("z")), {
        ...defaultSyncOptions(),
        environment: "other",
        namespace: ns,
        revision: "r",
      }),
    ).rejects.toThrow(`ConfigMap/${ns}/capstan-other exists but is not Capstan's ApplySet parent`);
  });
});
