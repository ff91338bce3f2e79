// Capstan's own manifests (deploy/) are checked and deployed like any user's: `capstan policy` finds
// nothing in them, and `capstan sync --wait` rolls them out on the real test cluster.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { putToolsOnPath } from "../../scripts/tools-bin.js";
import { cli } from "../helpers/cli.js";

describe("Capstan's own manifests", () => {
  const bin = putToolsOnPath();
  const kubeconfig = inject("kubeconfig");
  const kubectl = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(join(bin, "kubectl"), ["--kubeconfig", kubeconfig, ...args], (err, out, stderr) =>
        err ? reject(new Error(stderr)) : resolve(out),
      ),
    );
  afterAll(async () => {
    await kubectl("delete", "namespace", "capstan", "--wait=false").catch(() => {});
    await kubectl("delete", "clusterrole", "capstan-deployer", "capstan-crd-reader").catch(() => {});
    await kubectl("delete", "clusterrolebinding", "capstan-crd-reader").catch(() => {});
  });

  it("pass capstan policy without a finding", async () => {
    const result = await cli("policy", "--dir", ".", "--config", "deploy/capstan.yml", "--format", "json");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ findings: [], exemptions: [], notices: [], errors: [] });
  });

  it("roll out in the test cluster with capstan sync", async () => {
    const result = await cli(
      "sync",
      "--dir",
      ".",
      "--config",
      "deploy/capstan.yml",
      "--env",
      "capstan",
      "--kubeconfig",
      kubeconfig,
      "--wait",
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Healthy/);
    const rollout = await kubectl(
      "-n",
      "capstan",
      "rollout",
      "status",
      "deployment/capstan",
      "--timeout=60s",
    );
    expect(rollout).toContain("successfully rolled out");
    const ready = await kubectl(
      "-n",
      "capstan",
      "get",
      "deployment",
      "capstan",
      "-o",
      "jsonpath={.status.readyReplicas}",
    );
    expect(ready).toBe("2");
  });
});
