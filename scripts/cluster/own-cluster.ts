// A cluster of a caller's own (scripts/cluster/cluster.sh in a fresh state folder), for benchmarks and
// for tests that must stop its apiserver without disturbing anyone else's cluster.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// The repository root, from the source (scripts/cluster/) or the build (dist/scripts/cluster/).
const ROOT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/dist\/?$/, "/");
const SCRIPT = join(ROOT, "scripts/cluster/cluster.sh");

/** A running cluster of one's own. */
export interface OwnCluster {
  kubeconfig: string;
  /** Runs `cluster.sh` with these arguments against this cluster (`stop kube-apiserver`…). */
  run(...args: string[]): string;
  /** Stops every process and removes the state folder. */
  down(): void;
}

/** Starts a cluster in a new temporary state folder named after `prefix`. */
export function startOwnCluster(prefix: string): OwnCluster {
  const state = mkdtempSync(join(tmpdir(), prefix));
  const run = (...args: string[]) =>
    execFileSync("bash", [SCRIPT, ...args], {
      env: { ...process.env, CAPSTAN_CLUSTER_DIR: state },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    })
      .trim()
      .split("\n")
      .at(-1)!;
  try {
    return {
      kubeconfig: run("up"),
      run,
      down() {
        try {
          run("down");
        } finally {
          rmSync(state, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    rmSync(state, { recursive: true, force: true });
    throw err;
  }
}
