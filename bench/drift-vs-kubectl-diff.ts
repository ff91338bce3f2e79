// One drift check of an environment of 1,000 objects against `kubectl diff --server-side` of the same
// objects, on a real cluster of its own: a cold check (nothing cached, one dry run per object, as after a
// restart) and the check a sweep makes of an unchanged environment (dry runs cached by resourceVersion).
// Goal: ≤ 0.3×. Then the API requests one sweep of 100 unchanged environments makes (goal: a few per kind
// and namespace, none per object).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { startOwnCluster } from "../scripts/cluster/own-cluster.js";
import { putToolsOnPath } from "../scripts/tools-bin.js";
import { type ClusterClient, checkDrift, clientFor, type DriftCache } from "../src/cluster/index.js";
import { deployEnvironment } from "../src/flows/deploy.js";
import { readTreeConfig } from "../src/flows/tree-config.js";
import type { Manifest } from "../src/manifests/index.js";
import { renderEnvironment } from "../src/render/index.js";
import { compare } from "./harness.js";
import { benchObjects } from "./objects.js";

const bin = putToolsOnPath();
const work = mkdtempSync(join(tmpdir(), "capstan-bench-drift-"));

interface Synced {
  name: string;
  namespace: string;
  file: string;
  manifests: Manifest[];
}

// Writes a repository of one environment, syncs it as the server does, and keeps its rendered objects.
async function synced(client: ClusterClient, namespace: string, count: number): Promise<Synced> {
  const repo = join(work, namespace);
  mkdirSync(join(repo, ".github"), { recursive: true });
  mkdirSync(join(repo, "deploy"));
  writeFileSync(
    join(repo, ".github/capstan.yml"),
    `environments:\n  - name: bench\n    path: deploy\n    namespace: ${namespace}\n`,
  );
  const text = benchObjects(namespace, count);
  writeFileSync(join(repo, "deploy/objects.yaml"), text);
  const file = join(work, `${namespace}.yaml`);
  writeFileSync(file, text);
  const env = (await readTreeConfig(repo))!.environments[0]!;
  const { manifests } = await renderEnvironment(repo, env);
  const result = await deployEnvironment({
    cluster: client,
    environment: env,
    manifests,
    revision: "a".repeat(40),
    wait: false,
  });
  if (!result.sync.succeeded) throw new Error(result.sync.problems.join("; "));
  return { name: env.name, namespace, file, manifests };
}

const own = startOwnCluster("capstan-bench-cluster-");
try {
  const { kubeconfig } = own;
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  const client = clientFor("bench", config);
  const big = await synced(client, "drift-bench", 1_000);
  const check = (cache?: DriftCache) =>
    checkDrift(client, big.manifests, { name: big.name, namespace: big.namespace, ignore: [] }, cache);
  const first = await check();
  if (first.findings.length > 0)
    throw new Error(`an unchanged environment drifted: ${JSON.stringify(first.findings[0])}`);
  const kubectlDiff = {
    name: "kubectl diff --server-side",
    run: () => {
      try {
        execFileSync(
          join(bin, "kubectl"),
          ["--kubeconfig", kubeconfig, "diff", "--server-side", "-n", big.namespace, "-f", big.file],
          {
            encoding: "utf8",
            maxBuffer: 64 << 20,
          },
        );
      } catch (err) {
        // Exit 1 means "differences found"; anything else is a failure of the peer.
        if ((err as { status?: number }).status !== 1) throw err;
      }
    },
  };
  const ratios: string[] = [];
  const record = (label: string, ratio: number) => ratios.push(`${label.padEnd(44)} ${ratio.toFixed(2)}×`);
  record(
    "cold check (one dry run per object)",
    await compare(
      "drift check of 1,000 unchanged objects, nothing cached",
      { name: "capstan drift check", run: () => check() },
      kubectlDiff,
      3,
    ),
  );
  const warm: DriftCache = new Map();
  await check(warm);
  record(
    "a sweep's check of an unchanged environment",
    await compare(
      "drift check of 1,000 unchanged objects, dry runs cached by resourceVersion",
      { name: "capstan drift check", run: () => check(warm) },
      kubectlDiff,
      5,
    ),
  );

  // 100 environments of 12 objects each (4 kinds, one namespace each), checked twice: the second sweep is
  // what every interval costs while nothing changes.
  const small: Synced[] = [];
  for (let i = 0; i < 100; i++) small.push(await synced(client, `drift-sweep-${i}`, 12));
  const caches = small.map(() => new Map() as DriftCache);
  const sweep = async () => {
    const totals = { lists: 0, dryRuns: 0, reads: 0 };
    for (const [i, env] of small.entries()) {
      const result = await checkDrift(
        client,
        env.manifests,
        { name: env.name, namespace: env.namespace, ignore: [] },
        caches[i],
      );
      totals.lists += result.requests.lists;
      totals.dryRuns += result.requests.dryRuns;
      totals.reads += result.requests.reads;
    }
    return totals;
  };
  const cold = await sweep();
  const started = performance.now();
  const idle = await sweep();
  const ms = performance.now() - started;
  console.log(
    `\nA sweep of 100 unchanged environments (12 objects in 4 kinds each, 1,200 objects)\n  first sweep:  ${cold.lists} lists, ${cold.dryRuns} dry runs, ${cold.reads} reads\n  every later:  ${idle.lists} lists, ${idle.dryRuns} dry runs, ${idle.reads} reads in ${ms.toFixed(0)} ms (${(idle.lists / 100).toFixed(1)} lists per environment: its parent, then one per kind)`,
  );
  console.log(`\nSummary (goal: ≤ 0.30×)\n${ratios.map((r) => `  ${r}`).join("\n")}`);
} finally {
  own.down();
  rmSync(work, { recursive: true, force: true });
}
