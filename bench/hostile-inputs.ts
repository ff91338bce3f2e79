// The worst file of each kind that fits the 4 MiB file cap, through a whole pull request preview as its
// worker runs it (render, parse, diff, policy checks that locate every finding, and the report's text),
// against `kustomize build` reading the same file. Each is refused or handled; the figures show how long
// that takes and how much memory it holds. Goal: each refused or handled in under a second.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { putToolsOnPath } from "../scripts/tools-bin.js";
import { parseConfig } from "../src/config/index.js";
import { runPreviewTask } from "../src/flows/preview-task.js";
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

const CONFIG = "environments:\n  - name: e\n    path: env\n    renderer: plain\n    namespace: shop\n";
const env = parseConfig(CONFIG).environments[0]!;
for (const [title, text] of Object.entries(files)) {
  const root = join(work, title.replace(/\W+/g, "-"));
  for (const side of ["base", "head"]) {
    mkdirSync(join(root, side, ".github"), { recursive: true });
    mkdirSync(join(root, side, "env"), { recursive: true });
    writeFileSync(join(root, side, ".github/capstan.yml"), CONFIG);
    writeFileSync(join(root, side, "env", "kustomization.yaml"), "resources: [file.yaml]\n");
  }
  writeFileSync(
    join(root, "base", "env", "file.yaml"),
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\n",
  );
  writeFileSync(join(root, "head", "env", "file.yaml"), text);
  const head = join(root, "head");
  let outcome = "";
  try {
    const { manifests } = await renderEnvironment(head, env, defaultRenderOptions());
    const policy = runPolicy(manifests, resolvePolicy(parseConfig(CONFIG), env));
    outcome = `handled: ${manifests.length} objects, ${policy.findings.length} findings located`;
  } catch (err) {
    outcome = `refused: ${(err as Error).message.slice(0, 110)}`;
  }
  let rss = 0;
  await compare(
    `${title}: ${(text.length / 1024 / 1024).toFixed(1)} MiB`,
    {
      name: "Capstan's whole preview",
      run: async () => {
        const result = await runPreviewTask({
          baseRoot: join(root, "base"),
          headRoot: head,
          subject: { baseSha: "a".repeat(40), headSha: "b".repeat(40), fork: true, environments: [] },
          render: defaultRenderOptions(),
          repository: { owner: "someone", repo: "shop" },
          defaultBranch: "main",
        });
        if (result.kind !== "published") throw new Error(`the preview did not publish: ${result.kind}`);
        rss = Math.max(rss, process.memoryUsage().rss);
      },
    },
    {
      name: "kustomize build (killed after 20 s)",
      run: () => {
        try {
          execFileSync(join(bin, "kustomize"), ["build", join(head, "env")], {
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
