import { describe, expect, it } from "vitest";
import {
  buildObjectSet,
  locateField,
  locateParsed,
  type Manifest,
  parseDocuments,
} from "../../src/manifests/index.js";
import { locateBlock } from "../../src/manifests/locate-block.js";
import { renderEnvironment } from "../../src/render/index.js";
import { fixtureRepo, treeConfig } from "../helpers/fixtures.js";

// Every path to every node of an object, plus one missing child per map (a finding about an absent field).
function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...pathsOf(v, [...prefix, i]));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
    out.push([...prefix, "absent-field"]);
  }
  return out;
}

function expectSameAsParser(manifests: readonly Manifest[]) {
  let checked = 0;
  for (const m of manifests) {
    for (const path of pathsOf(m.object)) {
      expect(locateField(m, path), `${m.source.file} ${path.join(".")}`).toBe(locateParsed(m, path));
      checked++;
    }
  }
  return checked;
}

describe("locateBlock", () => {
  it("answers for block-style documents without the full parser", async () => {
    const root = fixtureRepo("shop", "head");
    const env = treeConfig(root).environments.find((e) => e.name === "staging")!;
    const manifests = (await renderEnvironment(root, env)).manifests;
    for (const m of manifests) {
      for (const path of pathsOf(m.object))
        expect(locateBlock(m.origin!.text, path), path.join(".")).toBeTypeOf("number");
    }
  });

  it.each([
    ["flow collections on the path", "a: {b: 1}\n", ["a", "b"]],
    ["aliases", "a: &x\n  b: 1\nc: *x\n", ["c", "b"]],
  ])("gives up on %s", (_name, text, path) => {
    expect(locateBlock(text, path)).toBeUndefined();
  });
});

describe("locateField", () => {
  it("agrees with the full parser on every field of every rendered object of the sample repository", async () => {
    let checked = 0;
    for (const side of ["base", "head"] as const) {
      const root = fixtureRepo("shop", side);
      for (const env of treeConfig(root).environments) {
        checked += expectSameAsParser((await renderEnvironment(root, env)).manifests);
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it.each([
    [
      "indented sequences",
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: x\n    -   name: b\n        ports:\n          - containerPort: 1\n",
    ],
    [
      "indentless sequences and comments",
      "# top\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p # trailing\nspec:\n  containers:\n  # between\n  - name: a\n\n    image: x\n  - name: b\n",
    ],
    [
      "block scalars that look like keys",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  script: |\n    name: not-a-key\n    - not-an-item\n  after: x\n",
    ],
    [
      "quoted keys",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    \"a.b/c\": x\n    'd: e': y\n",
    ],
    [
      "flow collections",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: b}}\nspec:\n  containers: [{name: a, image: x}, {name: b}]\n",
    ],
    [
      "anchors and aliases",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: &l\n    a: b\n  annotations: *l\n",
    ],
    [
      "a List's items",
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    k: v\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n",
    ],
    [
      "an item whose content starts on the next line",
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  -\n    name: c\n    image: nginx:latest\n",
    ],
    [
      "plain keys with colons and numeric keys",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a:b: c\n  80: http\n  x: y\n",
    ],
    [
      "Windows line endings",
      "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n  - name: c\r\n    image: x\r\n",
    ],
    ["a leading document marker", "---\n# c\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"],
  ])("agrees with the full parser on %s", (_name, yaml) => {
    expect(
      expectSameAsParser(buildObjectSet(parseDocuments(yaml, "m.yaml").documents, "web")),
    ).toBeGreaterThan(5);
  });
});
