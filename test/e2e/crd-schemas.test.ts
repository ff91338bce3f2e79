import { randomBytes } from "node:crypto";
import { KubeConfig, PatchStrategy } from "@kubernetes/client-node";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import {
  CrdSchemaSource,
  clientFor,
  connectKubeconfig,
  defaultCrdSchemaOptions,
  ObjectClient,
} from "../../src/cluster/index.js";
import { freePort } from "../helpers/github.js";
import { examplePayload } from "../helpers/webhooks.js";
import {
  type AppHarness,
  appHarness,
  capstanConfig,
  mockGitHubOnly,
  REPOSITORY_ID,
  sha,
} from "./app-harness.js";
import { type TestCluster, testCluster } from "./helpers.js";

// A group of this run's own, so the CRD never meets another test's (CRDs are cluster-wide).
const group = `e2e${randomBytes(3).toString("hex")}.capstan.dev`;
const crdName = `widgets.${group}`;

const CRD = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" };

// A namespaced CRD of this run's group whose v1 describes `spec` with `properties`.
const crdOf = (kind: string, plural: string, properties: Record<string, unknown>, more: object[] = []) => ({
  ...CRD,
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: "Namespaced",
    names: { kind, plural },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties } } } },
      },
      ...more,
    ],
  },
});

// Capstan's client sends a CRD as written (client-node's own patch would drop its `enum`), and
// discovery serves its kinds once it is established.
async function install(objects: ObjectClient, crd: ReturnType<typeof crdOf>): Promise<void> {
  await objects.patch(crd as never, undefined, undefined, "e2e", true, PatchStrategy.ServerSideApply);
  for (let i = 0; i < 100; i++) {
    const live = (await objects.read({ ...CRD, metadata: crd.metadata } as never)) as {
      status?: { conditions?: Array<{ type: string; status: string }> };
    };
    if (live.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${crd.metadata.name} was not established`);
}

const remove = (objects: ObjectClient, name: string) =>
  objects.delete({ ...CRD, metadata: { name } } as never).catch(() => {});

const widget = (spec: string) =>
  `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n${spec}`;
const MISSPELT = "  color: red\n  sise: 3\n";
const CORRECT = "  color: red\n  size: 3\n";

// Custom resources are validated against the CRD the environment's cluster serves, when the render
// does not define it: the apiserver's schema, read with the server config's credentials.
describe("custom resources in a preview, against the target cluster's CRDs", () => {
  let cluster: TestCluster;
  let h: AppHarness;
  mockGitHubOnly();

  beforeAll(async () => {
    cluster = testCluster();
    await install(
      ObjectClient.forConfig(cluster.config),
      crdOf(
        "Widget",
        "widgets",
        { size: { type: "integer" }, color: { type: "string", enum: ["red", "blue"] } },
        [{ name: "v2", served: false, storage: false, schema: { openAPIV3Schema: { type: "object" } } }],
      ),
    );
  });
  afterAll(() => remove(ObjectClient.forConfig(cluster.config), crdName));
  afterEach(() => {
    nock.cleanAll();
    expect(h.invalid).toEqual([]);
    h.remove();
  });

  // Previews PR 3 whose head holds `files`; environment `shop` targets the test cluster, `local` none.
  async function preview(files: Record<string, string>, fork = false) {
    h = appHarness(`  Codertocat/Hello-World:\n    id: ${REPOSITORY_ID}\n    clusters: [test]\n`);
    const config = capstanConfig(
      ["name: shop", "path: shop", "namespace: shop", "cluster: test"],
      ["name: local", "path: local", "namespace: local"],
    );
    h.commit("a", { ".github/capstan.yml": config, "shop/.keep": "", "local/.keep": "" });
    h.commit("b", { ".github/capstan.yml": config, "shop/.keep": "", "local/.keep": "", ...files });
    h.github.prHeads.set(3, { head: sha("b"), base: sha("a"), fork });
    const payload = examplePayload("pull_request", "opened", {
      number: 3,
      pull_request: {
        number: 3,
        base: { sha: sha("a") },
        head: { sha: sha("b"), ...(fork ? { repo: { full_name: "someone/Hello-World" } } : {}) },
      },
    });
    await h.probot.receive({
      name: "pull_request",
      id: `pr-${randomBytes(4).toString("hex")}`,
      payload,
    } as never);
    await h.deps.queue.idle();
    const policy = h.github.checkRuns.find((r) => r.name === "capstan/policy" && r.head_sha === sha("b"));
    if (!policy) throw new Error("no capstan/policy check run");
    // Notices are the comment's, with the findings.
    const comment = h.github
      .commentsOn(3)
      .map((c) => c.body)
      .join("\n");
    return { ...policy, comment };
  }

  it("reports a misspelt field at its line, and passes the same resource spelt right", async () => {
    const wrong = await preview({ "shop/widget.yaml": widget(MISSPELT) });
    expect(wrong.conclusion).toBe("failure");
    expect(wrong.output.annotations).toContainEqual(
      expect.objectContaining({
        path: "shop/widget.yaml",
        start_line: 7,
        annotation_level: "failure",
        message: expect.stringContaining("unknown field spec.sise"),
      }),
    );
    nock.cleanAll();
    h.remove();
    const right = await preview({ "shop/widget.yaml": widget(CORRECT) });
    expect(right.conclusion).toBe("success");
    expect(right.comment).toContain("Widget");
    expect(right.comment).not.toContain("no schema is known");
  });

  it("reports a type error and a value outside the enum of the cluster's schema", async () => {
    const run = await preview({ "shop/widget.yaml": widget('  color: green\n  size: "three"\n') });
    const messages = run.output.annotations.map((a) => `${a.start_line}: ${String(a.message)}`);
    expect(messages.join("\n")).toMatch(/6: .*spec\.color must be one of red, blue/);
    expect(messages.join("\n")).toMatch(/7: .*spec\.size must be an integer/);
  });

  it("keeps the notice for an environment without a cluster, and for a version the cluster does not serve", async () => {
    const run = await preview({
      "shop/widget.yaml": widget(CORRECT).replace(`${group}/v1`, `${group}/v2`),
      "local/widget.yaml": widget(MISSPELT),
    });
    const text = run.comment;
    expect(text).toContain(
      `Widget ${group}/v1: no schema is known (not built into Kubernetes v1.36.5, and no CRD for it in this render); not validated`,
    );
    expect(text).toContain(
      `Widget ${group}/v2: no schema is known (not built into Kubernetes v1.36.5, no CRD for it in this render, and cluster test does not serve it); not validated`,
    );
    expect(run.output.annotations).toEqual([]);
  });

  it("never reads the cluster for a fork's pull request, and says so", async () => {
    const run = await preview({ "shop/widget.yaml": widget(MISSPELT) }, true);
    expect(run.output.annotations).toEqual([]);
    expect(run.comment).toContain(
      "no CRD for it in this render, and cluster test is not read for a pull request from a fork); not validated",
    );
  });
});

describe("CrdSchemaSource, on the real apiserver", () => {
  const kinds = `gizmos.${group}`;
  const gvk = `${group}/v1/Gizmo`;
  let client: ReturnType<typeof connectKubeconfig>;
  const put = (properties: Record<string, unknown>) =>
    install(client.objects, crdOf("Gizmo", "gizmos", properties));
  const specOf = (schema: Record<string, unknown> | undefined) =>
    Object.keys(
      ((schema?.properties as Record<string, { properties: object }>)?.spec?.properties ?? {}) as object,
    );

  beforeAll(async () => {
    client = connectKubeconfig(inject("kubeconfig"));
    await put({ size: { type: "integer" } });
  });
  afterAll(() => remove(client.objects, kinds));

  it("reads a CRD once within its freshness window, and again by generation after it", async () => {
    let now = 0;
    const source = new CrdSchemaSource(
      () => client,
      { ...defaultCrdSchemaOptions, freshMs: 1000 },
      () => now,
    );
    const first = await source.lookup("test", [gvk]);
    expect(specOf(first.schemas[gvk]?.schema)).toEqual(["size"]);
    await put({ size: { type: "integer" }, shape: { type: "string" } });
    // Within the window the cached schema is used: no read, so the new field is not seen yet.
    now = 500;
    expect((await source.lookup("test", [gvk])).schemas[gvk]?.key).toBe(first.schemas[gvk]?.key);
    now = 1500;
    const after = await source.lookup("test", [gvk]);
    expect(specOf(after.schemas[gvk]?.schema).sort()).toEqual(["shape", "size"]);
    expect(after.schemas[gvk]?.key).not.toBe(first.schemas[gvk]?.key);
  });

  it("says which kinds it has no schema for, and bounds how many one lookup asks", async () => {
    const source = new CrdSchemaSource(() => client, { ...defaultCrdSchemaOptions, maxKinds: 2 });
    const result = await source.lookup("test", [gvk, `${group}/v9/Gizmo`, `${group}/v1/Nothing`]);
    expect(Object.keys(result.schemas)).toEqual([gvk]);
    expect(result.missing).toEqual({
      [`${group}/v9/Gizmo`]: "does not serve it",
      [`${group}/v1/Nothing`]: "was not asked: one preview looks up at most 2 kinds",
    });
  });

  it("gives up on a cluster it cannot reach, saying why, without throwing", async () => {
    const port = await freePort();
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: "gone", server: `https://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "gone", cluster: "gone", user: "u" }],
      currentContext: "gone",
    });
    const source = new CrdSchemaSource(() => clientFor("gone", config));
    const result = await source.lookup("gone", [gvk]);
    expect(result.schemas).toEqual({});
    expect(result.unavailable).toMatch(
      /^the CRDs of cluster gone could not be read \(cannot reach cluster gone/,
    );
  });
});
