import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { connect, defaultSyncOptions, liveDiff, syncEnvironment } from "../../src/cluster/index.js";
import { parseServerConfig } from "../../src/config/index.js";
import { buildObjectSet, formatRef, parseDocuments } from "../../src/manifests/index.js";
import { tempDir } from "../helpers/fixtures.js";
import { apply, testCluster, testNamespace } from "./helpers.js";

const objects = (yaml: string, namespace: string) =>
  buildObjectSet(parseDocuments(yaml, "live.yaml").documents, namespace);

const DEPLOYMENT = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api, image: "${image}", ports: [{containerPort: 8080}]}]}
`;

describe("live diff against the real apiserver (server-side dry-run)", () => {
  let namespace: string;
  let client: ReturnType<typeof connect>;

  beforeAll(async () => {
    const cluster = testCluster();
    namespace = await testNamespace(cluster, "live");
    for (const m of objects(
      `${DEPLOYMENT("nginx:1.25")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\ndata: {a: "1"}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: old-live-password}\n`,
      namespace,
    )) {
      await apply(cluster, m.object as never);
    }
    const server = parseServerConfig(
      `clusters:\n  test:\n    kubeconfig: ${inject("kubeconfig")}\n`,
      "server.yml",
    );
    client = connect(server, "test");
  });

  it("shows exactly what applying would change, unchanged objects left out, Secrets masked", async () => {
    const head = objects(
      `${DEPLOYMENT("nginx:1.27")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\ndata: {a: "1"}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: new-git-password}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {selector: {app: api}, ports: [{port: 80}]}\n`,
      namespace,
    );
    const result = await liveDiff(client, head);
    expect(result.errors).toEqual([]);
    expect(result.unchanged).toBe(1);
    expect(result.changes.map((c) => [c.action, `${c.ref.kind}/${c.ref.name}`])).toEqual([
      ["changed", "Deployment/api"],
      ["changed", "Secret/creds"],
      ["added", "Service/api"],
    ]);
    const deployment = result.changes[0]!;
    expect(deployment.images).toEqual([{ container: "api", before: "nginx:1.25", after: "nginx:1.27" }]);
    expect(deployment.diff).toContain("-          image: nginx:1.25");
    expect(deployment.diff).toContain("+          image: nginx:1.27");
    // Server-side defaults are in both sides, so they never show as changes.
    expect(deployment.diff).not.toMatch(/^[-+].*(terminationMessagePath|dnsPolicy|revisionHistoryLimit)/m);
    const secret = JSON.stringify(result.changes[1]);
    expect(secret).toContain("*** (after)");
    for (const value of [
      "old-live-password",
      "new-git-password",
      Buffer.from("old-live-password").toString("base64"),
      Buffer.from("new-git-password").toString("base64"),
    ]) {
      expect(secret).not.toContain(value);
    }
  });

  it("writes nothing: a dry-run leaves the live object as it was", async () => {
    await liveDiff(client, objects(DEPLOYMENT("nginx:9.9"), namespace));
    const live = await testCluster().apps.readNamespacedDeployment({ namespace, name: "api" });
    expect(live.spec?.template.spec?.containers[0]?.image).toBe("nginx:1.25");
  });

  it("reports what the apiserver refuses, naming the object, and still diffs the rest", async () => {
    const result = await liveDiff(
      client,
      objects(
        `apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec: {ports: [{port: 99999}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\ndata: {a: "2"}\n`,
        namespace,
      ),
    );
    expect(result.errors.map((e) => e.message)).toEqual([
      expect.stringMatching(/^Service\/live-\w+\/bad dry-run failed \(Invalid\): .*port/),
    ]);
    expect(result.changes.map((c) => c.ref.name)).toEqual(["same"]);
  });

  it("lists what a sync would prune: members of the environment's ApplySet the render no longer has", async () => {
    const ns = `${namespace}-prune`;
    const cm = (name: string, extra = "") =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}data: {a: "1"}\n`;
    const secret =
      "apiVersion: v1\nkind: Secret\nmetadata: {name: token}\nstringData: {token: live-token-value}\n";
    await syncEnvironment(
      client,
      objects(
        [cm("kept"), cm("gone"), cm("pinned", "  annotations: {capstan.dev/prune: disabled}\n"), secret].join(
          "---\n",
        ),
        ns,
      ),
      {
        ...defaultSyncOptions(),
        environment: "web",
        namespace: ns,
        revision: "r1",
      },
    );
    const result = await liveDiff(client, objects(cm("kept"), ns), {
      name: "web",
      namespace: ns,
      prune: true,
    });
    expect(result.changes.map((c) => [c.action, formatRef(c.ref), c.source.file])).toEqual([
      ["removed", `ConfigMap/${ns}/gone`, "live in cluster test"],
      ["removed", `Secret/${ns}/token`, "live in cluster test"],
    ]);
    expect(result.changes[0]!.diff).toContain("-  name: gone");
    expect(JSON.stringify(result.changes)).not.toContain("live-token-value");
    expect(JSON.stringify(result.changes)).not.toContain(Buffer.from("live-token-value").toString("base64"));
    // An environment that does not prune: nothing to remove, and the synced object is unchanged.
    const noPrune = await liveDiff(client, objects(cm("kept"), ns), {
      name: "web",
      namespace: ns,
      prune: false,
    });
    expect(noPrune.changes).toEqual([]);
    expect(noPrune.unchanged).toBe(1);
  });

  it("refuses a cluster the server config does not name, and a kubeconfig it cannot read", () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.dir, "broken"), "not: [a kubeconfig");
      const server = parseServerConfig(
        `clusters:\n  broken:\n    kubeconfig: ${join(dir.dir, "broken")}\n`,
        "server.yml",
      );
      expect(() => connect(server, "nope")).toThrow('no cluster named "nope" in the server config');
      expect(() => connect(server, "broken")).toThrow(/cluster "broken": cannot load its credentials/);
    } finally {
      dir.remove();
    }
  });
});
