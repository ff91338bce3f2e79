// Starts one real control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) for the e2e
// suite and hands its kubeconfig to the tests. It always stops it, pass or fail. There is no fallback: if
// the cluster cannot be built or started, the run fails here instead of skipping the cluster tests.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the test cluster's kubeconfig. */
    kubeconfig: string;
    /** The Kubernetes version scripts/cluster/build.sh built, e.g. `v1.36.5`. */
    kubeVersion: string;
  }
}

function script(name: string, args: string[], env: NodeJS.ProcessEnv): string {
  const out = execFileSync("bash", [`scripts/cluster/${name}`, ...args], {
    encoding: "utf8",
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.trim().split("\n").at(-1) ?? "";
}

const PREFIX = "capstan-e2e-cluster-";

// A run killed outright (SIGKILL, a lost terminal) cannot stop its cluster; the next run does, by the pids
// that run recorded.
function stopLeftovers(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const state = join(tmpdir(), name);
    try {
      script("cluster.sh", ["down"], { ...process.env, CAPSTAN_CLUSTER_DIR: state });
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  }
}

export default function setup(project: TestProject): () => void {
  const bin = script("build.sh", [], process.env);
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ""}`;
  stopLeftovers();
  // A state folder of the run's own, so a developer's cluster (cluster:up) is never touched.
  const state = mkdtempSync(join(tmpdir(), PREFIX));
  const env = { ...process.env, CAPSTAN_CLUSTER_DIR: state };
  let stopped = false;
  const teardown = () => {
    if (stopped) return;
    stopped = true;
    try {
      script("cluster.sh", ["down"], env);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  };
  // A run interrupted before vitest calls the teardown still stops every process it started.
  process.once("exit", teardown);
  // vitest handles SIGINT and SIGTERM itself and calls the teardown; a lost terminal (SIGHUP) it does not.
  process.once("SIGHUP", () => {
    teardown();
    process.exit(129);
  });
  const kubeconfig = script("cluster.sh", ["up"], env);
  // The version build.sh built, from the folder it built into (kubernetes-v1.36.5/kube-apiserver).
  const built = /kubernetes-(v\d+\.\d+\.\d+)\//.exec(realpathSync(join(bin, "kube-apiserver")))?.[1];
  if (!built) throw new Error(`cannot tell which Kubernetes version ${join(bin, "kube-apiserver")} is`);
  project.provide("kubeconfig", kubeconfig);
  project.provide("kubeVersion", built);
  return teardown;
}
