// The whole `capstan diff` on the sample repository (four environments at base and head: kustomize,
// helm and plain) against the bare renderer runs it needs, run one after another as a script would.
// Goal: ≤ 1.2× the bare renders.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { putToolsOnPath } from "../scripts/tools-bin.js";
import { diff } from "../src/commands/diff.js";
import { compare, ROOT } from "./harness.js";

const bin = putToolsOnPath();
const sides = ["base", "head"].map((side) => join(ROOT, "fixtures/repos/shop", side));

await compare(
  "capstan diff on fixtures/repos/shop (4 environments × base and head)",
  {
    name: "capstan diff --format markdown",
    run: () => diff({ dirs: { base: sides[0]!, head: sides[1]! }, environments: [], format: "markdown" }),
  },
  {
    name: "4× kustomize build + 2× helm template",
    run: () => {
      for (const root of sides) {
        for (const overlay of ["staging", "production"]) {
          execFileSync(join(bin, "kustomize"), ["build", join(root, "deploy/overlays", overlay)]);
        }
        execFileSync(join(bin, "helm"), [
          "template",
          "metrics-agent",
          join(root, "charts/metrics-agent"),
          "--namespace",
          "monitoring",
          "--kube-version",
          "v1.36.0",
          "-f",
          join(root, "charts/metrics-agent/values-production.yaml"),
        ]);
      }
    },
  },
  9,
);
