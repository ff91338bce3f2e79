import { CoordinationV1Api } from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { type ClusterClient, clientFor, type Owner } from "../../src/cluster/index.js";
import { parseConfig } from "../../src/config/index.js";
import { deployEnvironment } from "../../src/flows/deploy.js";
import { buildObjectSet, formatRef, parseDocuments } from "../../src/manifests/index.js";
import { testCluster } from "./helpers.js";

const A: Owner = { id: 101, name: "team-a/app" };
const B: Owner = { id: 202, name: "team-b/app" };

// Two repositories on one cluster never touch each other's objects, and a prune never cascades unasked.
describe("isolation between repositories, and prunes that cannot cascade", () => {
  let client: ClusterClient;
  beforeAll(() => {
    client = clientFor("test", testCluster().config);
  });
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const environment = (name: string, namespace: string, extra = "") =>
    parseConfig(
      `environments:\n  - name: ${name}\n    path: deploy\n    namespace: ${namespace}\n    allowEmpty: true\n${extra}`,
    ).environments[0]!;
  const objects = (namespace: string, yaml: string) =>
    buildObjectSet(parseDocuments(yaml, "deploy.yaml").documents, namespace);
  const cms = (...names: string[]) =>
    names
      .map((n) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\ndata: {v: "1"}\n`)
      .join("---\n");
  const configMaps = async (ns: string) =>
    (await testCluster().core.listNamespacedConfigMap({ namespace: ns })).items
      .map((c) => c.metadata!.name!)
      .filter((n) => !n.startsWith("capstan-") && n !== "kube-root-ca.crt")
      .sort();
  // A sync of `yaml` as environment `env` in `ns`, for a repository (or, with none, as `capstan sync`).
  const sync = (
    owner: Owner | undefined,
    env: string,
    ns: string,
    yaml: string,
    extra: Partial<Parameters<typeof deployEnvironment>[0]> = {},
  ) =>
    deployEnvironment({
      cluster: client,
      environment: environment(env, ns),
      manifests: objects(ns, yaml),
      revision: `r-${Date.now()}`,
      wait: false,
      owner,
      ...extra,
    });

  it("two repositories with the same environment name and namespace: the second is refused, and neither prunes the other", async () => {
    const ns = unique("iso-same");
    const first = await sync(A, "production", ns, cms("a1", "a2"));
    expect(first.sync.succeeded).toBe(true);

    // B's sync of the same environment name in the same namespace would adopt A's parent: refused whole.
    await expect(sync(B, "production", ns, cms("b1"))).rejects.toThrow(
      `ConfigMap/${ns}/capstan-production is the ApplySet parent of environment production for team-a/app (id 101), not for team-b/app (id 202); refused, nothing was applied or pruned`,
    );
    // Even a B render that removes everything changes nothing.
    await expect(sync(B, "production", ns, "")).rejects.toThrow("refused, nothing was applied or pruned");
    expect(await configMaps(ns)).toEqual(["a1", "a2"]);

    // A keeps syncing its own, pruning only its own.
    const again = await sync(A, "production", ns, cms("a1"));
    expect(again.sync.pruned.map((p) => formatRef(p.ref))).toEqual([`ConfigMap/${ns}/a2`]);
    expect(await configMaps(ns)).toEqual(["a1"]);
  });

  it("two repositories in one namespace with different environment names coexist through every sequence of syncs", async () => {
    const ns = unique("iso-share");
    // A creates the namespace, so it is A's; B may write there only because the operator's bounds say so
    // (here no bounds are given, as `capstan sync` with an operator's kubeconfig).
    expect((await sync(A, "web", ns, cms("a1", "a2"))).sync.succeeded).toBe(true);
    expect((await sync(B, "api", ns, cms("b1", "b2"))).sync.succeeded).toBe(true);
    expect(await configMaps(ns)).toEqual(["a1", "a2", "b1", "b2"]);

    // B renders an object of A's name: refused whole before anything is written, so B's new b3 is not
    // applied either, and nothing of A's is pruned.
    await expect(sync(B, "api", ns, cms("b1", "b2", "b3", "a1"))).rejects.toThrow(
      `ConfigMap/${ns}/a1 belongs to another ApplySet (applyset.kubernetes.io/part-of=`,
    );
    expect(await configMaps(ns)).toEqual(["a1", "a2", "b1", "b2"]);

    // A removes every object it has: only A's go.
    const emptied = await sync(A, "web", ns, "");
    expect(emptied.sync.pruned.map((p) => p.ref.name).sort()).toEqual(["a1", "a2"]);
    expect(await configMaps(ns)).toEqual(["b1", "b2"]);

    // B removes one of its own; A's next sync (empty again) prunes nothing of B's.
    expect((await sync(B, "api", ns, cms("b1"))).sync.pruned.map((p) => p.ref.name)).toEqual(["b2"]);
    expect((await sync(A, "web", ns, cms("a3"))).sync.pruned).toEqual([]);
    expect(await configMaps(ns)).toEqual(["a3", "b1"]);
  });

  it("a Namespace one repository created is not another repository's to take", async () => {
    const ns = unique("iso-nsown");
    const namespace = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}-extra\n`;
    expect((await sync(A, "web", ns, namespace)).sync.succeeded).toBe(true);
    const live = await testCluster().core.readNamespace({ name: `${ns}-extra` });
    expect(live.metadata?.labels?.["capstan.dev/repository-id"]).toBe("101");
    await expect(sync(B, "web", `${ns}-b`, namespace)).rejects.toThrow(
      `Namespace/${ns}-extra belongs to another ApplySet`,
    );
  });

  it("removing a Namespace and a CRD from Git leaves both in place and says so; with the opt-in they go", async () => {
    const ns = unique("iso-cascade");
    const group = `${ns.replace(/[^a-z0-9]/g, "")}.capstan.test`;
    const crd = (allow: boolean) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.${group}
${allow ? "  annotations:\n    capstan.dev/prune: allow\n" : ""}spec:
  group: ${group}
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;
    const namespace = (allow: boolean) =>
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}-team\n${allow ? "  annotations:\n    capstan.dev/prune: allow\n" : ""}`;
    const widget = `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: ${ns}\n`;
    const inTeam = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  namespace: ${ns}-team\n`;
    const all = (allow: boolean) => [crd(allow), namespace(allow), widget, inTeam, cms("stay")].join("---\n");

    expect((await sync(A, "cascade", ns, all(false))).sync.succeeded).toBe(true);
    const left = await sync(A, "cascade", ns, cms("stay"));
    expect(left.sync.succeeded).toBe(true);
    expect(left.sync.kept.map((k) => [formatRef(k.ref), k.reason])).toEqual([
      [
        `CustomResourceDefinition/widgets.${group}`,
        "left in place (deleting a CRD deletes every custom resource of its kind, in every namespace); annotate it capstan.dev/prune: allow to let a prune delete it",
      ],
      [
        `Namespace/${ns}-team`,
        "left in place (deleting a Namespace deletes everything in it); annotate it capstan.dev/prune: allow to let a prune delete it",
      ],
    ]);
    // They stay members: the next sync says so again (and would prune them once they opt in).
    const again = await sync(A, "cascade", ns, cms("stay"));
    expect(again.sync.kept.map((k) => formatRef(k.ref))).toEqual([
      `CustomResourceDefinition/widgets.${group}`,
      `Namespace/${ns}-team`,
    ]);
    // The objects inside them were pruned one by one; the Namespace and the CRD stayed.
    expect(left.sync.pruned.map((p) => formatRef(p.ref)).sort()).toEqual([
      `ConfigMap/${ns}-team/kept`,
      `Widget/${ns}/w`,
    ]);
    await expect(testCluster().core.readNamespace({ name: `${ns}-team` })).resolves.toBeDefined();
    const crdHeader = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `widgets.${group}` },
    };
    await expect(testCluster().objects.read(crdHeader)).resolves.toBeDefined();

    // With the opt-in (merged first, then removed), both go.
    expect((await sync(A, "cascade", ns, all(true))).sync.succeeded).toBe(true);
    const gone = await sync(A, "cascade", ns, cms("stay"));
    expect(gone.sync.kept).toEqual([]);
    expect(gone.sync.pruned.map((p) => formatRef(p.ref))).toEqual(
      expect.arrayContaining([`Namespace/${ns}-team`, `CustomResourceDefinition/widgets.${group}`]),
    );
    const deleting = await testCluster()
      .core.readNamespace({ name: `${ns}-team` })
      .then(
        (n) => n.metadata?.deletionTimestamp !== undefined,
        () => true,
      );
    expect(deleting).toBe(true);
  });

  it("a parent that records no repository is not adopted by a repository's deploy, only by an operator's explicit sync", async () => {
    const ns = unique("iso-legacy");
    // An older Capstan (or `capstan sync` without --repository) synced it: no owner recorded.
    const legacy = await sync(undefined, "production", ns, cms("a1", "a2"));
    expect(legacy.sync.succeeded).toBe(true);
    await expect(sync(B, "production", ns, cms("b1"))).rejects.toThrow(
      `ConfigMap/${ns}/capstan-production records no repository (written by an older Capstan, or by capstan sync without --repository), so its members may be another repository's; refused, nothing was applied or pruned`,
    );
    expect(await configMaps(ns)).toEqual(["a1", "a2"]);
    // The operator gives it to A.
    const adopted = await sync(A, "production", ns, cms("a1", "a2"), { adoptUnowned: true });
    expect(adopted.sync.succeeded).toBe(true);
    expect((await sync(A, "production", ns, cms("a1"))).sync.pruned.map((p) => p.ref.name)).toEqual(["a2"]);
  });

  it("a Lease lost during a prune stops the prune", async () => {
    const ns = unique("iso-lease");
    const names = Array.from({ length: 12 }, (_, i) => `c${i}`);
    expect((await sync(A, "leased", ns, cms(...names))).sync.succeeded).toBe(true);

    const leases = testCluster().config.makeApiClient(CoordinationV1Api);
    let deletes = 0;
    const result = await sync(A, "leased", ns, cms("c0"), {
      lease: { durationSeconds: 3 },
      onPrune: async () => {
        deletes++;
        if (deletes > 1) return;
        // Another holder takes the Lease over; our next renewal (every second) fails, and the prune stops.
        const lease = await leases.readNamespacedLease({ name: "capstan-leased", namespace: ns });
        // Whoever finds it held can tell which repository holds it.
        expect(lease.spec?.holderIdentity).toMatch(/^team-a\/app#101 /);
        await leases.replaceNamespacedLease({
          name: "capstan-leased",
          namespace: ns,
          body: { ...lease, spec: { ...lease.spec, holderIdentity: "someone-else" } },
        });
        await new Promise((r) => setTimeout(r, 2_500));
      },
    });
    expect(deletes).toBe(1);
    expect(result.sync.succeeded).toBe(false);
    expect(result.sync.problems.join("\n")).toMatch(
      /stopped: the lease .*capstan-leased could not be renewed.*; pruning stopped after 1 object\(s\)/,
    );
    expect((await configMaps(ns)).length).toBe(11);
  });
});
