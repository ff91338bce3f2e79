// Drift against the real cluster: what `kubectl` changes by hand is found, with the tool that changed it;
// what the cluster does by itself (defaults, scaling through /scale) is not drift.
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { putToolsOnPath } from "../../scripts/tools-bin.js";
import { checkDrift, connectKubeconfig } from "../../src/cluster/index.js";
import { drift } from "../../src/commands/drift.js";
import { sync } from "../../src/commands/sync.js";
import { parseConfig } from "../../src/config/index.js";
import type { DriftFinding } from "../../src/drift/index.js";
import { defaultRenderOptions, renderEnvironment } from "../../src/render/index.js";
import { tempDir } from "../helpers/fixtures.js";

const deployment = (name: string, image: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
        - name: ${name}
          image: ${image}
          ports:
            - containerPort: 8080
`;

const hpa = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: scaled
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: scaled}
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`;

describe("drift", () => {
  const bin = putToolsOnPath();
  const kubeconfig = inject("kubeconfig");
  const ns = `drift-${Date.now().toString(36)}`;
  const work = tempDir("capstan-drift-");
  const dir = work.dir;
  const config = `environments:\n  - name: shop\n    path: deploy\n    renderer: plain\n    namespace: ${ns}\n`;
  const kubectl = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        join(bin, "kubectl"),
        ["--kubeconfig", kubeconfig, "-n", ns, ...args],
        (err, stdout, stderr) =>
          err ? reject(new Error(`kubectl ${args.join(" ")}: ${stderr}`)) : resolve(stdout),
      ),
    );
  const check = (format: "text" | "json" = "json") => drift({ dir, environment: "shop", kubeconfig, format });
  const findings = async () => {
    const { output, exitCode } = await check();
    const json = JSON.parse(output) as { drifted: boolean; findings: DriftFinding[] };
    return { exitCode, ...json };
  };
  const summary = (list: DriftFinding[]) =>
    list.map((f) =>
      f.change === "modified" || f.change === "foreign-additions"
        ? `${f.change} ${f.ref.kind}/${f.ref.name}: ${f.fields.map((x) => `${x.path} by ${x.writer?.manager ?? "?"} (${x.writer?.operation ?? "?"})`).join(", ")}`
        : `${f.change} ${f.ref.kind}/${f.ref.name}`,
    );

  beforeAll(async () => {
    await mkdir(join(dir, ".github"), { recursive: true });
    await mkdir(join(dir, "deploy"), { recursive: true });
    await writeFile(join(dir, ".github/capstan.yml"), config);
    await writeFile(join(dir, "deploy/web.yaml"), deployment("web", "registry.invalid/web:1", 1));
    await writeFile(
      join(dir, "deploy/scaled.yaml"),
      `${deployment("scaled", "registry.invalid/scaled:1", 2)}---\n${hpa}`,
    );
    await writeFile(
      join(dir, "deploy/settings.yaml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: calm\n",
    );
    const synced = await sync({
      dir,
      environment: "shop",
      kubeconfig,
      dryRun: false,
      prune: true,
      wait: false,
      format: "text",
    });
    expect(synced.exitCode, synced.output).toBe(0);
  });
  afterAll(async () => {
    await kubectl("delete", "namespace", ns, "--wait=false").catch(() => {});
    work.remove();
  });

  it("finds nothing right after a sync: the apiserver's defaults are on both sides", async () => {
    const found = await findings();
    expect(summary(found.findings)).toEqual([]);
    expect(found.exitCode).toBe(0);
  });

  it("names a hand-edited image, a deleted ConfigMap and an added env var with the tools, and not the scaling", async () => {
    await kubectl("set", "image", "deployment/web", "web=registry.invalid/web:2");
    await kubectl("set", "env", "deployment/web", "DEBUG=1");
    await kubectl("delete", "configmap", "settings");
    // What an HPA does, through the same /scale subresource.
    await kubectl("scale", "deployment/scaled", "--replicas=5");

    const found = await findings();
    expect(found.exitCode).toBe(1);
    expect(summary(found.findings)).toEqual([
      "missing ConfigMap/settings",
      "foreign-additions Deployment/web: spec.template.spec.containers[name=web].env[name=DEBUG] by kubectl-set (Update)",
      "modified Deployment/web: spec.template.spec.containers[name=web].image by kubectl-set (Update)",
    ]);
    const { output } = await check("text");
    expect(output).toContain(
      "spec.template.spec.containers[name=web].image  (last written by kubectl-set (Update)",
    );
    expect(output).toContain("not people");
  });

  it("costs only its list calls on a second check of unchanged objects", async () => {
    const cluster = connectKubeconfig(kubeconfig);
    const env = parseConfig(config).environments[0]!;
    const { manifests } = await renderEnvironment(dir, env, defaultRenderOptions());
    const cache = new Map();
    const options = { name: "shop", namespace: ns, ignore: [] };
    const first = await checkDrift(cluster, manifests, options, cache);
    const second = await checkDrift(cluster, manifests, options, cache);
    expect(first.requests.dryRuns).toBeGreaterThan(0);
    expect(second.requests).toEqual({ lists: first.requests.lists, dryRuns: 0, reads: 0 });
    expect(second.findings).toEqual(first.findings);
  });

  it("lets an ignore rule cover a field, and finds no drift once the image is set back by hand", async () => {
    await writeFile(
      join(dir, ".github/capstan.yml"),
      `${config}    drift:\n      ignore:\n        - paths: [/spec/template/spec/containers/0/image]\n          target: {kind: Deployment, name: web}\n`,
    );
    expect(summary((await findings()).findings)).not.toContainEqual(expect.stringMatching(/^modified/));
    await writeFile(join(dir, ".github/capstan.yml"), config);
    await kubectl("set", "image", "deployment/web", "web=registry.invalid/web:1");
    expect(summary((await findings()).findings)).not.toContainEqual(expect.stringMatching(/^modified/));
  });
});
