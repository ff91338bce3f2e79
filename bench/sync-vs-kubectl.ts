// `capstan sync` of 1,000 objects against `kubectl apply --server-side --prune --applyset` on the same
// real cluster (its own, started here), both as the command a person runs: a first sync into an empty
// namespace, then a no-op re-sync of the same objects. Goals: first sync ≤ 0.5×, no-op ≤ 0.2×.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { startOwnCluster } from "../scripts/cluster/own-cluster.js";
import { putToolsOnPath } from "../scripts/tools-bin.js";
import { type ClusterClient, clientFor } from "../src/cluster/index.js";
import { deployEnvironment } from "../src/flows/deploy.js";
import { readTreeConfig } from "../src/flows/tree-config.js";
import { renderEnvironment } from "../src/render/index.js";
import { compare, ROOT } from "./harness.js";
import { benchObjects } from "./objects.js";

const OBJECTS = 1_000;
const bin = putToolsOnPath();

const work = mkdtempSync(join(tmpdir(), "capstan-bench-sync-"));

// A repository of one environment in namespace `ns`, for capstan; the same objects in one file, for kubectl.
function prepare(ns: string): { ns: string; repo: string; file: string } {
  const repo = join(work, ns);
  mkdirSync(join(repo, ".github"), { recursive: true });
  mkdirSync(join(repo, "deploy"));
  writeFileSync(
    join(repo, ".github/capstan.yml"),
    `environments:\n  - name: bench\n    path: deploy\n    namespace: ${ns}\n`,
  );
  const text = benchObjects(ns, OBJECTS);
  writeFileSync(join(repo, "deploy/objects.yaml"), text);
  const file = join(work, `${ns}.yaml`);
  writeFileSync(file, text);
  return { ns, repo, file };
}

const capstan = (repo: string, kubeconfig: string) =>
  execFileSync(
    "node",
    [
      join(ROOT, "dist/bundle/capstan.mjs"),
      "sync",
      "--dir",
      repo,
      "--env",
      "bench",
      "--kubeconfig",
      kubeconfig,
    ],
    {
      encoding: "utf8",
    },
  );
const kubectl = (file: string, ns: string, kubeconfig: string) =>
  execFileSync(
    join(bin, "kubectl"),
    [
      "--kubeconfig",
      kubeconfig,
      "apply",
      "--server-side",
      "--prune",
      `--applyset=configmaps/kubectl-bench`,
      "-n",
      ns,
      "-f",
      file,
    ],
    { encoding: "utf8", env: { ...process.env, KUBECTL_APPLYSET: "true" }, maxBuffer: 64 << 20 },
  );

// The Capstan server's way: one long-lived client, render and deploy in process.
async function serverSync(repo: string, client: ClusterClient): Promise<void> {
  const config = await readTreeConfig(repo);
  const env = config!.environments[0]!;
  const { manifests } = await renderEnvironment(repo, env);
  const result = await deployEnvironment({
    cluster: client,
    environment: env,
    manifests,
    revision: "bench",
    wait: false,
  });
  if (!result.sync.succeeded) throw new Error(result.sync.problems.join("; "));
}

const own = startOwnCluster("capstan-bench-cluster-");
try {
  const { kubeconfig } = own;
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  const client = clientFor("bench", config);
  // kubectl needs its ApplySet parent's namespace to exist, so every namespace is made before timing.
  const RUNS = 3;
  const names = (side: string) => Array.from({ length: RUNS + 1 }, (_, i) => `bench-${side}-${i}`);
  const kc = (...args: string[]) => execFileSync(join(bin, "kubectl"), ["--kubeconfig", kubeconfig, ...args]);
  const sides = ["cli", "server", "kubectl", "kubectl2"];
  for (const ns of [...sides.flatMap(names), ...sides.map((side) => `bench-noop-${side}`)])
    kc("create", "namespace", ns);
  const next = Object.fromEntries(sides.map((side) => [side, names(side).map(prepare)]));
  const kubectlFirst = (side: string) => ({
    name: "kubectl apply --server-side --applyset",
    run: () => {
      const p = next[side]!.shift()!;
      kubectl(p.file, p.ns, kubeconfig);
    },
  });
  const ratios: string[] = [];
  const record = (label: string, ratio: number) => ratios.push(`${label.padEnd(44)} ${ratio.toFixed(2)}×`);
  record(
    "first sync, capstan sync (a new process)",
    await compare(
      `first sync of ${OBJECTS} objects into an empty namespace: the capstan CLI (process start included)`,
      { name: "capstan sync", run: () => capstan(next.cli!.shift()!.repo, kubeconfig) },
      kubectlFirst("kubectl"),
      RUNS,
    ),
  );
  record(
    "first sync, Capstan server (in process)",
    await compare(
      `first sync of ${OBJECTS} objects into an empty namespace: in the Capstan server (render + deploy)`,
      { name: "Capstan server deploy", run: () => serverSync(next.server!.shift()!.repo, client) },
      kubectlFirst("kubectl2"),
      RUNS,
    ),
  );
  const noop = Object.fromEntries(sides.map((side) => [side, prepare(`bench-noop-${side}`)]));
  capstan(noop.cli!.repo, kubeconfig);
  await serverSync(noop.server!.repo, client);
  kubectl(noop.kubectl!.file, noop.kubectl!.ns, kubeconfig);
  const kubectlNoop = {
    name: "kubectl apply --server-side --applyset",
    run: () => kubectl(noop.kubectl!.file, noop.kubectl!.ns, kubeconfig),
  };
  record(
    "no-op re-sync, capstan sync (a new process)",
    await compare(
      `no-op re-sync of the same ${OBJECTS} objects: the capstan CLI`,
      { name: "capstan sync", run: () => capstan(noop.cli!.repo, kubeconfig) },
      kubectlNoop,
      5,
    ),
  );
  record(
    "no-op re-sync, Capstan server (in process)",
    await compare(
      `no-op re-sync of the same ${OBJECTS} objects: in the Capstan server`,
      { name: "Capstan server deploy", run: () => serverSync(noop.server!.repo, client) },
      kubectlNoop,
      5,
    ),
  );
  console.log(
    `\nSummary (goals: first sync ≤ 0.50×, no-op ≤ 0.20×)\n${ratios.map((r) => `  ${r}`).join("\n")}`,
  );
} finally {
  own.down();
  rmSync(work, { recursive: true, force: true });
}
