import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it, onTestFinished } from "vitest";
import { connectKubeconfig, defaultSyncOptions, syncEnvironment } from "../../src/cluster/index.js";
import { health } from "../../src/commands/health.js";
import { sync } from "../../src/commands/sync.js";
import { buildObjectSet, parseDocuments } from "../../src/manifests/index.js";
import { tempDir } from "../helpers/fixtures.js";
import { testCluster } from "./helpers.js";

// `capstan sync` and `capstan health --env` as a person runs them, against the real cluster.
describe("capstan sync and capstan health --env", () => {
  const ns = `cli-${Date.now().toString(36)}`;
  const options = (dir: string, extra: Partial<Parameters<typeof sync>[0]> = {}) => ({
    dir,
    environment: "web",
    kubeconfig: inject("kubeconfig"),
    dryRun: false,
    prune: true,
    wait: false,
    format: "text" as const,
    ...extra,
  });
  const repo = async (objects: Record<string, string>) => {
    const { dir, remove } = tempDir();
    onTestFinished(remove);
    await mkdir(join(dir, ".github"));
    await mkdir(join(dir, "deploy"));
    await writeFile(
      join(dir, ".github/capstan.yml"),
      `environments:\n  - name: web\n    path: deploy\n    namespace: ${ns}\n`,
    );
    for (const [name, text] of Object.entries(objects)) await writeFile(join(dir, "deploy", name), text);
    return dir;
  };
  const cm = (name: string, value: string) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
  const deploymentYaml = (name: string, replicas: number) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n        - name: main\n          image: registry.invalid/${name}:1\n`;

  it("dry-runs, syncs, re-syncs as a no-op, prunes, and reports the environment's health", async () => {
    const v1 = await repo({
      "a.yaml": cm("a", "1"),
      "b.yaml": cm("b", "1"),
      "api.yaml": deploymentYaml("api", 2),
    });

    const dry = await sync(options(v1, { dryRun: true, format: "json" }));
    expect(dry.exitCode).toBe(0);
    const planned = JSON.parse(dry.output) as {
      dryRun: boolean;
      objects: Array<{ name: string; action: string }>;
    };
    expect(planned.dryRun).toBe(true);
    // The namespace does not exist yet, so its objects are reported as created without a server check.
    expect(planned.objects.map((o) => `${o.action} ${o.name}`)).toEqual([
      "created a",
      "created b",
      "created api",
    ]);
    await expect(testCluster().core.readNamespace({ name: ns })).rejects.toThrow();

    const first = await sync(options(v1, { wait: true, timeoutMs: 60_000 }));
    expect(first.exitCode).toBe(0);
    expect(first.output).toMatch(new RegExp(`^web at directory ${v1}\\n\\ncreated {6}ConfigMap/${ns}/a\\n`));
    expect(first.output).toMatch(/\n3 created in \d+\.\d s\nHealth: Healthy after \d+\.\d s\n$/);

    const again = await sync(options(v1, { format: "json" }));
    const noop = JSON.parse(again.output) as { succeeded: boolean; objects: Array<{ action: string }> };
    expect(noop.succeeded).toBe(true);
    expect(noop.objects.map((o) => o.action)).toEqual(["unchanged", "unchanged", "unchanged"]);

    const v2 = await repo({ "a.yaml": cm("a", "2"), "api.yaml": deploymentYaml("api", 2) });
    const planPrune = await sync(options(v2, { dryRun: true }));
    expect(planPrune.output).toContain(`would prune  ConfigMap/${ns}/b`);
    expect(planPrune.output).toContain(`configured   ConfigMap/${ns}/a`);
    expect((await testCluster().core.readNamespacedConfigMap({ namespace: ns, name: "a" })).data?.value).toBe(
      "1",
    );

    const second = await sync(options(v2));
    expect(second.exitCode).toBe(0);
    expect(second.output).toContain(`pruned       ConfigMap/${ns}/b`);
    expect(second.output).toContain("1 configured, 1 unchanged, 1 pruned in");

    const text = await health({
      environment: { name: "web", kubeconfig: inject("kubeconfig"), namespace: ns },
      format: "text",
    });
    expect(text).toEqual({
      output: `web in namespace ${ns}: 2 object(s), last sync succeeded at directory ${v2}\nDeployment ${ns}/api: Healthy\nHealthy\n`,
      exitCode: 0,
    });
  });

  it("names the environment's problem instead of half-applying: unknown environment, no parent", async () => {
    const dir = await repo({ "a.yaml": cm("a", "1") });
    await expect(sync({ ...options(dir), environment: "nope" })).rejects.toThrow(
      /unknown environment "nope"|nope/,
    );
    await expect(
      health({ environment: { name: "never-synced", kubeconfig: inject("kubeconfig") }, format: "text" }),
    ).rejects.toThrow(
      "environment never-synced was never synced here: no ConfigMap capstan-never-synced in any namespace",
    );
  });

  it("asks which namespace when one environment name was synced into several", async () => {
    const twin = `twin-${Date.now().toString(36)}`;
    const client = connectKubeconfig(inject("kubeconfig"));
    for (const namespace of [`${ns}-x`, `${ns}-y`]) {
      const objects = buildObjectSet(parseDocuments(cm("a", "1"), "a.yaml").documents, namespace);
      await syncEnvironment(client, objects, {
        ...defaultSyncOptions(),
        environment: twin,
        namespace,
        revision: "r",
      });
    }
    const ask = health({ environment: { name: twin, kubeconfig: inject("kubeconfig") }, format: "text" });
    await expect(ask).rejects.toThrow(
      `environment ${twin} has parents in several namespaces (${ns}-x, ${ns}-y); pass --namespace`,
    );
    const one = await health({
      environment: { name: twin, kubeconfig: inject("kubeconfig"), namespace: `${ns}-y` },
      format: "json",
    });
    expect(JSON.parse(one.output)).toEqual({ objects: [], status: "Healthy" });
  });
});
