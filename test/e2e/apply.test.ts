import { beforeAll, describe, expect, inject, it } from "vitest";
import { applyObjects, connect } from "../../src/cluster/index.js";
import { parseServerConfig } from "../../src/config/index.js";
import { buildObjectSet, formatRef, parseDocuments } from "../../src/manifests/index.js";
import { testCluster } from "./helpers.js";

const objects = (yaml: string, namespace: string) =>
  buildObjectSet(parseDocuments(yaml, "apply.yaml").documents, namespace);

const deployment = (ns: string, image: string, app = "api") => `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: ${ns}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec: {containers: [{name: api, image: "${image}"}]}
`;

describe("applying with server-side apply against the real apiserver", () => {
  let client: ReturnType<typeof connect>;
  const ns = `apply-${Date.now().toString(36)}`;
  beforeAll(() => {
    client = connect(
      parseServerConfig(`clusters:\n  test:\n    kubeconfig: ${inject("kubeconfig")}\n`, "server.yml"),
      "test",
    );
  });

  const results = async (yaml: string) =>
    (await applyObjects(client, objects(yaml, ns))).map((r) => [
      formatRef(r.ref),
      r.action,
      r.error?.message,
    ]);

  it("creates a namespace before its objects, then writes nothing on a no-op re-apply", async () => {
    const yaml = `${deployment(ns, "nginx:1.25")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: ${ns}}\ndata: {a: "1"}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`;
    expect(await results(yaml)).toEqual([
      [`Namespace/${ns}`, "created", undefined],
      [`ConfigMap/${ns}/settings`, "created", undefined],
      [`Deployment/${ns}/api`, "created", undefined],
    ]);
    // The ConfigMap is touched by no controller, so its resourceVersion moves only if Capstan writes it; the
    // Deployment's status does move (its rollout), but its generation moves only with a spec write.
    const read = async () => ({
      cm: (await testCluster().core.readNamespacedConfigMap({ namespace: ns, name: "settings" })).metadata
        ?.resourceVersion,
      generation: (await testCluster().apps.readNamespacedDeployment({ namespace: ns, name: "api" })).metadata
        ?.generation,
    });
    const before = await read();
    expect((await results(yaml)).map((r) => r[1])).toEqual(["unchanged", "unchanged", "unchanged"]);
    expect(await read()).toEqual(before);
  });

  it("configures a changed object and leaves the rest unchanged", async () => {
    const yaml = `${deployment(ns, "nginx:1.27")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: ${ns}}\ndata: {a: "1"}\n`;
    expect((await results(yaml)).map((r) => r[1])).toEqual(["unchanged", "configured"]);
    const live = await testCluster().apps.readNamespacedDeployment({ namespace: ns, name: "api" });
    expect(live.spec?.template.spec?.containers[0]?.image).toBe("nginx:1.27");
  });

  it("sends every field as written, including those client-node's models rename or do not know", async () => {
    // NetworkPolicy's `from` is `_from` in client-node's model; a CRD schema's `x-kubernetes-*` keys and a
    // LimitRange's `default` are renamed too. Serialized through the models, they would be dropped.
    const policy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-web, namespace: ${ns}}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: 8080}]
---
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: ${ns}}
spec:
  limits:
    - type: Container
      default: {cpu: 500m}
`;
    expect(await results(policy)).toEqual([
      [`NetworkPolicy/${ns}/only-web`, "created", undefined],
      [`LimitRange/${ns}/limits`, "created", undefined],
    ]);
    const live = (await client.objects.read({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "only-web", namespace: ns },
    })) as unknown as { spec: { ingress: Array<Record<string, unknown>> } };
    expect(live.spec.ingress[0]).toEqual({
      from: [{ podSelector: { matchLabels: { app: "web" } } }],
      ports: [{ port: 8080, protocol: "TCP" }],
    });
    const limits = await testCluster().core.readNamespacedLimitRange({ namespace: ns, name: "limits" });
    expect(limits.spec?.limits[0]?._default).toEqual({ cpu: "500m" });
    // And a second apply finds nothing to change.
    expect((await results(policy)).map((r) => r[1])).toEqual(["unchanged", "unchanged"]);
  });

  it("applies a CRD and its custom resource in one sync, waiting for the CRD to be established", async () => {
    const group = `${ns}.example.com`;
    const yaml = `apiVersion: ${group}/v1\nkind: Gadget\nmetadata: {name: g, namespace: ${ns}}\nspec: {size: 3}\n---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: gadgets.${group}}\nspec:\n  group: ${group}\n  scope: Namespaced\n  names: {kind: Gadget, plural: gadgets, singular: gadget}\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}}]\n`;
    expect(await results(yaml)).toEqual([
      [`CustomResourceDefinition/gadgets.${group}`, "created", undefined],
      [`Gadget/${ns}/g`, "created", undefined],
    ]);
  });

  it("reports an immutable selector change, naming the object and the field, and changes nothing", async () => {
    const [[ref, action, message]] = (await results(deployment(ns, "nginx:1.27", "other"))) as [
      [string, string, string],
    ];
    expect([ref, action]).toEqual([`Deployment/${ns}/api`, "failed"]);
    expect(message).toMatch(
      new RegExp(`^Deployment/${ns}/api apply failed \\(Invalid\\): .*spec\\.selector.*immutable`),
    );
    const live = await testCluster().apps.readNamespacedDeployment({ namespace: ns, name: "api" });
    expect(live.spec?.selector.matchLabels).toEqual({ app: "api" });
  });

  it("recreates the object on an immutable change when it opts in", async () => {
    const yaml = deployment(ns, "nginx:1.27", "other").replace(
      "metadata: {name: api,",
      'metadata: {annotations: {capstan.dev/recreate: "true"}, name: api,',
    );
    expect((await results(yaml)).map((r) => r[1])).toEqual(["configured"]);
    const live = await testCluster().apps.readNamespacedDeployment({ namespace: ns, name: "api" });
    expect(live.spec?.selector.matchLabels).toEqual({ app: "other" });
  });
});
