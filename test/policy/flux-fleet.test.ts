import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { policy, toJson } from "../../src/commands/policy.js";
import { checkPolicy } from "../../src/flows/policy-check.js";
import { defaultRenderOptions } from "../../src/render/index.js";
import { ROOT } from "../helpers/fixtures.js";

const FLEET = join(ROOT, "fixtures/repos/flux-fleet");
const expected = JSON.parse(readFileSync(join(FLEET, "expected-findings.json"), "utf8")) as {
  withoutCluster: unknown[];
};

// A Flux monorepo as platform teams write them passes the default policy: its controllers' own
// namespaces, its CRDs and cluster-scoped configs are the repository's own, and the operator bounds them.
describe("the flux-fleet fixture, without a cluster", () => {
  it("has exactly the findings its expected list names", async () => {
    const results = await checkPolicy({ root: FLEET, environments: [], render: defaultRenderOptions() });
    expect(results.map((r) => r.error)).toEqual(results.map(() => undefined));
    expect(toJson(results).findings).toEqual(expected.withoutCluster);
  });

  it("says which custom resources it could not validate, and validates the CRDs themselves", async () => {
    const results = await checkPolicy({ root: FLEET, environments: [], render: defaultRenderOptions() });
    const notices = Object.fromEntries(results.map((r) => [r.name, r.policy?.notices ?? []]));
    expect(notices.crds).toEqual([]);
    expect(notices["apps-production"]).toEqual([
      "HelmRelease helm.toolkit.fluxcd.io/v2: no schema is known (not built into Kubernetes v1.36.5, and no CRD for it in this render); not validated",
      "HelmRepository source.toolkit.fluxcd.io/v1: no schema is known (not built into Kubernetes v1.36.5, and no CRD for it in this render); not validated",
    ]);
  });

  it("says, with a kubeconfig that cannot be read, why its custom resources went unvalidated", async () => {
    const result = await policy({
      dir: FLEET,
      environments: ["apps-production"],
      format: "json",
      cluster: { kubeconfig: join(ROOT, "no-such-kubeconfig") },
    });
    expect(result.exitCode).toBe(0);
    const { notices } = JSON.parse(result.output) as { notices: Array<{ message: string }> };
    expect(notices.map((n) => n.message)).toEqual([
      expect.stringMatching(
        /^HelmRelease helm\.toolkit\.fluxcd\.io\/v2: no schema is known \(.*no CRD for it in this render, and the CRDs of cluster production could not be read/,
      ),
      expect.stringMatching(/^HelmRepository source\.toolkit\.fluxcd\.io\/v1: no schema is known/),
    ]);
  });

  it("passes `capstan policy` with exit code 0", async () => {
    const result = await policy({ dir: FLEET, environments: [], format: "text" });
    expect(result.exitCode).toBe(0);
    expect(result.output).not.toMatch(/error|warning/);
  });
});
