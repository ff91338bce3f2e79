import { describe, expect, it } from "vitest";
import { ManifestError } from "../../src/errors.js";
import { defaultParseOptions, parseDocuments } from "../../src/manifests/index.js";

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe("parseDocuments", () => {
  it("keeps the file and the line of each document's first key", () => {
    const text = `# leading comment\n${cm("a")}---\n# about b\n\n${cm("b")}--- \n${cm("c")}`;
    const { documents } = parseDocuments(text, "app.yaml");
    expect(documents.map((d) => [d.object.metadata.name, d.source])).toEqual([
      ["a", { file: "app.yaml", line: 2 }],
      ["b", { file: "app.yaml", line: 9 }],
      ["c", { file: "app.yaml", line: 14 }],
    ]);
  });

  it("does not split on --- inside a value", () => {
    const text = `${cm("a")}data:\n  script: |\n    echo ---\n    echo '--- not a marker'\n`;
    const { documents } = parseDocuments(text, "a.yaml");
    expect(documents).toHaveLength(1);
    expect((documents[0]!.object.data as Record<string, string>).script).toBe(
      "echo ---\necho '--- not a marker'\n",
    );
  });

  it("skips empty documents and explains documents that are not objects", () => {
    const text = `---\n---\n${cm("a")}---\nreplicas: 3\n---\n- a list\n`;
    const result = parseDocuments(text, "mixed.yaml");
    expect(result.documents).toHaveLength(1);
    expect(result.notices).toEqual([
      "mixed.yaml:8: not a Kubernetes object (no apiVersion and kind); ignored",
      "mixed.yaml:10: not a Kubernetes object (no apiVersion and kind); ignored",
    ]);
  });

  it("flattens List kinds into their items", () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n- ${cm("a").replace(/\n(?=.)/g, "\n  ")}- ${cm("b").replace(/\n(?=.)/g, "\n  ")}`;
    const { documents } = parseDocuments(text, "list.yaml");
    expect(documents.map((d) => d.object.metadata.name)).toEqual(["a", "b"]);
  });

  it("keeps a %YAML directive with its document", () => {
    const { documents } = parseDocuments(`%YAML 1.2\n---\n${cm("a")}---\n${cm("b")}`, "d.yaml");
    expect(documents.map((d) => [d.object.metadata.name, d.source.line])).toEqual([
      ["a", 3],
      ["b", 8],
    ]);
  });

  it("reads JSON", () => {
    const text = JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "web" } }, null, 2);
    expect(parseDocuments(text, "ns.json").documents[0]!.object.metadata.name).toBe("web");
  });

  it("reads YAML 1.1 scalars as the apiserver does (sigs.k8s.io/yaml)", () => {
    const text = `${cm("a")}spec:\n  date: 2024-01-02\n  answer: yes\n  off: on\n  quoted: "yes"\n  mode: 0644\n  hex: 0x1F\n  big: 1_000\n  float: 1.5\n  nothing: ~\n`;
    expect(parseDocuments(text, "a.yaml").documents[0]!.object.spec).toEqual({
      date: "2024-01-02",
      answer: true,
      false: true,
      quoted: "yes",
      mode: 420,
      hex: 31,
      big: 1000,
      float: 1.5,
      nothing: null,
    });
  });

  it("resolves merge keys", () => {
    const text = `${cm("a")}data: &d\n  one: "1"\nextra:\n  <<: *d\n  two: "2"\n`;
    expect(parseDocuments(text, "a.yaml").documents[0]!.object.extra).toEqual({ one: "1", two: "2" });
  });

  type Bad = { name: string; text: string; error: string };
  const bad: Bad[] = [
    {
      name: "malformed YAML, at its line",
      text: `${cm("a")}---\n${cm("b")}data:\n  a: b: c\n`,
      error: "x.yaml:11: malformed YAML",
    },
    {
      name: "a duplicate key",
      text: `${cm("a")}metadata:\n  name: b\n`,
      error: "x.yaml:5: malformed YAML: duplicated mapping key",
    },
    {
      name: "an object without metadata",
      text: "apiVersion: v1\nkind: ConfigMap\n",
      error: "x.yaml:1: ConfigMap has no metadata",
    },
    {
      name: "an object without a name",
      text: "apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: p-\n",
      error: "Pod has no metadata.name (generateName is not supported",
    },
    {
      name: "a kind that is not a string",
      text: "apiVersion: v1\nkind: [a]\nmetadata: {name: a}\n",
      error: "apiVersion and kind must both be non-empty strings",
    },
    {
      name: "a namespace that is not a string",
      text: "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: 3}\n",
      error: "metadata.namespace that is not a string",
    },
    { name: "a List without items", text: "apiVersion: v1\nkind: List\n", error: "List has no items array" },
  ];
  it.each(bad)("refuses $name", ({ text, error }) => {
    expect(() => parseDocuments(text, "x.yaml")).toThrow(ManifestError);
    expect(() => parseDocuments(text, "x.yaml")).toThrow(error);
  });

  it.each([
    ["a tag with characters a tag cannot hold", "password: !Tr0ub4dor^3\n"],
    ["a malformed tag", "password: !<Tr0ub4dor-3 x\n"],
    ["an undeclared tag handle", "password: !Tr0ub4dor!x y\n"],
    ["an unknown tag", "password: !Tr0ub4dor3 y\n"],
    ["an unidentified alias", "password: *Tr0ub4dor3\n"],
  ])("never quotes the document in a YAML error: %s", (_name, line) => {
    const text = `apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  ${line}`;
    let message = "";
    try {
      parseDocuments(text, "s.yaml");
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^s\.yaml:\d+: malformed YAML/);
    expect(message).not.toMatch(/Tr0ub4dor/);
  });

  it("refuses a billion-laughs alias bomb quickly, without expanding it", () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(", ")}]`,
      );
    }
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n${levels.join("\n")}\n`;
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    expect(() => parseDocuments(text, "bomb.yaml")).toThrow(
      /expands past 1,000,000 nodes through YAML aliases/,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
  });

  it("refuses a file of many bombs, each under the per-document cap, once the render's budget is spent", () => {
    // Six levels of nine: 600,000 nodes a document, under the 1,000,000 per document; 20 of them are 12 M.
    const bomb = (n: number) => {
      const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
      for (let i = 1; i < 6; i++) {
        const prev = String.fromCharCode(96 + i);
        const name = String.fromCharCode(97 + i);
        levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(", ")}]`);
      }
      return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b${n}}\n${levels.join("\n")}\n`;
    };
    const text = Array.from({ length: 20 }, (_, i) => bomb(i)).join("---\n");
    const options = { ...defaultParseOptions(), budget: { remaining: defaultParseOptions().maxRenderNodes } };
    expect(() => parseDocuments(text, "bombs.yaml", options)).toThrow(
      /^bombs\.yaml:\d+: the environment's documents expand past 2,000,000 nodes in all through YAML aliases/,
    );
    // One such document alone is fine.
    expect(parseDocuments(bomb(0), "one.yaml").documents).toHaveLength(1);
  });

  it("gives each item of a block-style List its own line", () => {
    const text =
      "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  # between\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: b\n";
    const docs = parseDocuments(text, "list.yaml").documents;
    expect(docs.map((d) => d.source.line)).toEqual([4, 8]);
    expect(docs[1]!.origin).toMatchObject({ line: 8, prefix: [] });
  });

  it("accepts aliases that expand modestly", () => {
    const text = `${cm("a")}one: &one {a: 1}\ntwo: [*one, *one]\n`;
    expect(parseDocuments(text, "a.yaml").documents[0]!.object.two).toEqual([{ a: 1 }, { a: 1 }]);
  });

  it("turns deeply nested input into a clear error, not a crash", () => {
    const depth = 100_000;
    const text = `${cm("a")}data: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
    expect(() => parseDocuments(text, "deep.yaml")).toThrow(ManifestError);
  });
});
