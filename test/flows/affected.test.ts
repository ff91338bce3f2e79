import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { previewEnvironments } from "../../src/flows/preview.js";
import { defaultRenderOptions } from "../../src/render/index.js";
import { tempDir } from "../helpers/fixtures.js";

const kustomization = (lines: string) =>
  `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n${lines}`;
const cm = (name: string, value = "1") =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

const CONFIG = (namespaceOfA = "a", policy = "") => `environments:
  - {name: a, path: envs/a, namespace: ${namespaceOfA}}
  - {name: b, path: envs/b, namespace: b}
  - {name: c, path: envs/c, namespace: c}
  - {name: h1, path: charts/app, namespace: h1, helm: {valuesFiles: [../../envs/h1/values.yaml]}}
  - {name: h2, path: charts/app, namespace: h2, helm: {valuesFiles: [../../envs/h2/values.yaml]}}
  - {name: p, path: plain/p, namespace: p}
  - {name: linked, path: envs/linked, namespace: linked}
  - {name: remote, path: envs/remote, namespace: remote}
${policy}`;

// A monorepo with every kind of input a render reads: shared kustomize bases, a component, patch and
// generator files, a chart with a vendored dependency and per-environment values, a plain directory,
// a directory reached through a symbolic link, and one construct whose inputs cannot be known (a remote
// base), which must always be rendered.
const TREE: Record<string, string> = {
  ".github/capstan.yml": CONFIG(),
  "docs/README.md": "# docs\n",
  "bases/web/kustomization.yaml": kustomization("resources: [web.yaml]\n"),
  "bases/web/web.yaml": cm("web"),
  "bases/other/kustomization.yaml": kustomization("resources: [other.yaml]\n"),
  "bases/other/other.yaml": cm("other"),
  "components/probes/kustomization.yaml":
    "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: [{path: probe.yaml}]\n",
  "components/probes/probe.yaml": cm("web", "probed"),
  "envs/a/kustomization.yaml": kustomization(
    "resources: [../../bases/web]\ncomponents: [../../components/probes]\npatches: [{path: patch.yaml}]\nconfigMapGenerator: [{name: settings, envs: [settings.env]}]\n",
  ),
  "envs/a/patch.yaml": cm("web", "patched"),
  "envs/a/settings.env": "LEVEL=info\n",
  "envs/b/kustomization.yaml": kustomization("resources: [../../bases/web]\n"),
  "envs/c/kustomization.yaml": kustomization("resources: [../../bases/other]\n"),
  "charts/app/Chart.yaml":
    "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies: [{name: dep, version: 1.0.0}]\n",
  "charts/app/values.yaml": "level: info\n",
  "charts/app/templates/cm.yaml": cm("{{ .Release.Name }}", "{{ .Values.level }}"),
  "charts/app/charts/dep/Chart.yaml": "apiVersion: v2\nname: dep\nversion: 1.0.0\n",
  "charts/app/charts/dep/templates/cm.yaml": cm("{{ .Release.Name }}-dep"),
  "envs/h1/values.yaml": "level: debug\n",
  "envs/h2/values.yaml": "level: warn\n",
  "plain/p/p.yaml": cm("p"),
  "shared/linked/kustomization.yaml": kustomization("resources: [linked.yaml]\n"),
  "shared/linked/linked.yaml": cm("linked"),
  "envs/remote/kustomization.yaml": kustomization("resources: [https://github.com/example/base]\n"),
};

const work = tempDir("capstan-affected-");
afterAll(() => work.remove());
let trees = 0;

function tree(changes: Record<string, string | null>, link = "../shared/linked"): string {
  const root = join(work.dir, `t${trees++}`);
  for (const [path, text] of Object.entries({ ...TREE, ...changes })) {
    if (text === null) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  symlinkSync(link, join(root, "envs/linked"));
  return root;
}

const base = tree({});
const everything = ["a", "b", "c", "h1", "h2", "p", "linked", "remote"];

// The environments a preview renders for a head tree of TREE with `changes` (and its link to `link`).
async function rendered(
  changes: Record<string, string | null>,
  link?: string,
  baseRoot = base,
): Promise<string[]> {
  const head = tree(changes, link);
  try {
    const { environments } = await previewEnvironments({
      baseRoot,
      headRoot: head,
      environments: [],
      render: defaultRenderOptions(),
    });
    return environments.filter((e) => !e.unaffected).map((e) => e.name);
  } finally {
    rmSync(head, { recursive: true, force: true });
  }
}

describe("which environments a change reaches", () => {
  // The remote base's inputs cannot be known, so it is rendered (and refused) whatever changed.
  it.each<[string, Record<string, string | null>, string[]]>([
    ["a file no render reads", { "docs/README.md": "# more docs\n" }, ["remote"]],
    ["a shared base's file", { "bases/web/web.yaml": cm("web", "2") }, ["a", "b", "remote"]],
    ["another base's file", { "bases/other/other.yaml": cm("other", "2") }, ["c", "remote"]],
    ["a file added to a base's directory", { "bases/web/extra.yaml": cm("x") }, ["a", "b", "remote"]],
    ["a component", { "components/probes/probe.yaml": cm("web", "3") }, ["a", "remote"]],
    ["a patch file", { "envs/a/patch.yaml": cm("web", "4") }, ["a", "remote"]],
    ["a generator's env file", { "envs/a/settings.env": "LEVEL=debug\n" }, ["a", "remote"]],
    ["one environment's values file", { "envs/h1/values.yaml": "level: error\n" }, ["h1", "remote"]],
    [
      "a vendored chart dependency",
      { "charts/app/charts/dep/templates/cm.yaml": cm("{{ .Release.Name }}-dep", "2") },
      ["h1", "h2", "remote"],
    ],
    ["a plain directory's file", { "plain/p/p.yaml": cm("p", "2") }, ["p", "remote"]],
    [
      "a file reached through a symbolic link",
      { "shared/linked/linked.yaml": cm("linked", "2") },
      ["linked", "remote"],
    ],
    ["the environment's config entry", { ".github/capstan.yml": CONFIG("a2") }, ["a", "remote"]],
    [
      "the repository's policy",
      { ".github/capstan.yml": CONFIG("a", "policy: {minReplicas: 2}\n") },
      everything,
    ],
    [
      "the repository's and an environment's freeze windows, which change when a merge deploys, not what",
      {
        ".github/capstan.yml": CONFIG(
          "a",
          "freeze: [{weekly: {from: 'Fri 18:00', until: 'Mon 08:00'}}]\n",
        ).replace(
          "namespace: b}",
          "namespace: b, freeze: [{dates: {from: '2026-12-24', until: '2026-12-27'}}]}",
        ),
      },
      ["remote"],
    ],
    [
      "a kustomization that no longer parses",
      { "envs/b/kustomization.yaml": "resources: [\n" },
      ["b", "remote"],
    ],
  ])("%s", async (_, changes, expected) => {
    expect(await rendered(changes)).toEqual(expected);
  });

  it("renders an environment whose directory is a link pointed elsewhere, though no file changed", async () => {
    const moved = {
      "shared/moved/kustomization.yaml": kustomization("resources: [moved.yaml]\n"),
      "shared/moved/moved.yaml": cm("moved"),
    };
    // The new target exists at the base too, unchanged: only the link differs.
    const withMoved = tree(moved);
    try {
      expect(await rendered(moved, "../shared/moved", withMoved)).toEqual(["linked", "remote"]);
    } finally {
      rmSync(withMoved, { recursive: true, force: true });
    }
  });

  it("renders every environment asked for by name, changed or not", async () => {
    const head = tree({});
    const { environments } = await previewEnvironments({
      baseRoot: base,
      headRoot: head,
      environments: ["b", "c"],
      render: defaultRenderOptions(),
    });
    expect(environments.map((e) => [e.name, e.unaffected ?? false])).toEqual([
      ["b", false],
      ["c", false],
    ]);
  });
});
