// The worst file of each kind that fits the 4 MiB file cap, through Capstan's plain renderer (parse,
// identify, and the policy checks that locate every finding), against `kustomize build` reading the same
// file. Each is refused or handled; the figures show how long that takes and how much memory it holds.
// Goal: each refused or handled in under a second (the List's policy work grows with its findings).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { putToolsOnPath } from "../scripts/tools-bin.js";
import { parseConfig } from "../src/config/index.js";
import { resolvePolicy, runPolicy } from "../src/policy/index.js";
import { defaultRenderOptions, renderEnvironment } from "../src/render/index.js";
import { aliasBomb, bombFile, deploymentList } from "../test/helpers/hostile-yaml.js";
import { compare } from "./harness.js";

const bin = putToolsOnPath();
const work = mkdtempSync(join(tmpdir(), "capstan-hostile-bench-"));

const files: Record<string, string> = {
  "one billion-laughs document (9 levels)": aliasBomb("lol", 9),
  "a file of bombs, each under the per-document cap (6 levels)": bombFile(),
  "a List of Deployments": deploymentList(),
};

const env = parseConfig("environments:\n  - name: e\n    path: env\n    renderer: plain\n").environments[0]!;
for (const [title, text] of Object.entries(files)) {
  const root = join(work, title.replace(/\W+/g, "-"));
  mkdirSync(join(root, "env"), { recursive: true });
  writeFileSync(join(root, "env", "file.yaml"), text);
  writeFileSync(join(root, "env", "kustomization.yaml"), "resources: [file.yaml]\n");
  let outcome = "";
  let rss = 0;
  await compare(
    `${title}: ${(text.length / 1024 / 1024).toFixed(1)} MiB`,
    {
      name: "Capstan render + policy",
      run: async () => {
        try {
          const { manifests } = await renderEnvironment(root, env, defaultRenderOptions());
          const policy = runPolicy(
            manifests,
            resolvePolicy(parseConfig("environments:\n  - name: e\n    path: env\n"), env),
          );
          outcome = `handled: ${manifests.length} objects, ${policy.findings.length} findings located`;
        } catch (err) {
          outcome = `refused: ${(err as Error).message.slice(0, 110)}`;
        }
        rss = Math.max(rss, process.memoryUsage().rss);
      },
    },
    {
      name: "kustomize build (killed after 20 s)",
      run: () => {
        try {
          execFileSync(join(bin, "kustomize"), ["build", join(root, "env")], {
            stdio: "pipe",
            maxBuffer: 1 << 30,
            // kustomize expands alias bombs (one run took 98 s here): cut off, its time is a lower bound.
            timeout: 20_000,
          });
        } catch {
          // kustomize refuses some of these too; its time is what counts
        }
      },
    },
    1,
  );
  console.log(`  Capstan: ${outcome}; peak RSS ${Math.round(rss / 1024 / 1024)} MiB`);
}
rmSync(work, { recursive: true, force: true });
