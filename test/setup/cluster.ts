// Starts one real control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) for the e2e
// suite and hands its kubeconfig to the tests. It always stops it, pass or fail. There is no fallback: if
// the cluster cannot be built or started, the run fails here instead of skipping the cluster tests.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Path of the test cluster's kubeconfig. */
    kubeconfig: string;
    /** The Kubernetes version the cluster was built at, e.g. `v1.36.5`. */
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

export default function setup(project: TestProject): () => void {
  const bin = script("build.sh", [], process.env);
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ""}`;
  // A state folder of the run's own, so a developer's cluster (cluster:up) is never touched.
  const state = mkdtempSync(join(tmpdir(), "capstan-e2e-cluster-"));
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
  const kubeconfig = script("cluster.sh", ["up"], env);
  const version = execFileSync(join(bin, "kube-apiserver"), ["--version"], { encoding: "utf8" }).trim();
  project.provide("kubeconfig", kubeconfig);
  project.provide("kubeVersion", version.replace(/^Kubernetes /, ""));
  return teardown;
}
