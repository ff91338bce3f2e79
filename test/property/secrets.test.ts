import { mkdirSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { runPreviewTask } from "../../src/flows/preview-task.js";
import { defaultRenderOptions } from "../../src/render/index.js";
import { tempDir } from "../helpers/fixtures.js";

// Reproducible in `npm test`; a longer search runs with CAPSTAN_PROPERTY_RUNS=5000 (see the README).
const SEED = 20261201;
const RUNS = Number(process.env.CAPSTAN_PROPERTY_RUNS ?? 200);

/** A password-like value: long enough to be recognised, drawn from what real ones contain. */
const value = fc.stringMatching(/^[A-Za-z0-9+/=._~!@#%^&*-]{10,24}$/).map((v) => `Zq${v}`);

/** The spellings a Secret's kind and apiVersion come in, the apiserver's and the mistaken. */
const kind = fc.constantFrom("Secret", "secret", "SECRET", "sEcReT");
const apiVersion = fc.constantFrom("v1", "core/v1", "v1beta1");
const field = fc.constantFrom("data", "stringData", "stringdata", "StringData", "extra");

/** Where a Secret hides in a repository, each as the files of one environment's directory. */
type Hiding = (secret: string, v: string) => Record<string, string>;
const hidings: Record<string, Hiding> = {
  "a plain file": (s) => ({ "secret.yaml": s }),
  "a List": (s) => ({
    "list.yaml": `apiVersion: v1\nkind: List\nitems:\n${s
      .split("\n")
      .filter(Boolean)
      .map((l, i) => `${i === 0 ? "  - " : "    "}${l}`)
      .join("\n")}\n`,
  }),
  "a JSON file": (s) => ({ "secret.json": JSON.stringify(yamlToObject(s)) }),
  "a malformed plain file": (s) => ({ "secret.yaml": `${s}  broken: [unclosed\n` }),
  "a kustomize secretGenerator literal": (_s, v) => ({
    "kustomization.yaml": `secretGenerator:\n  - name: gen\n    literals:\n      - password=${v}\n`,
  }),
  "a kustomize secretGenerator literal with a typo": (_s, v) => ({
    "kustomization.yaml": `secretGenerator:\n  - name: gen\n    literals:\n      - password:${v}\n`,
  }),
  "a kustomize inline patch on a Secret": (s, v) => ({
    "kustomization.yaml": `resources: [secret.yaml]\npatches:\n  - target: {kind: Secret}\n    patch: |\n      apiVersion: v1\n      kind: Secret\n      metadata: {name: s}\n      stringData:\n        token: "${v}"\n`,
    "secret.yaml": s,
  }),
  "a malformed kustomize inline patch on a Secret": (s, v) => ({
    "kustomization.yaml": `resources: [secret.yaml]\npatches:\n  - target: {kind: Secret}\n    patch: |\n      apiVersion: v1\n      kind: Secret\n      metadata: {name: s}\n      stringData:\n        token: "${v}\n`,
    "secret.yaml": s,
  }),
  "a kustomize patch file on a Secret that does not parse": (s, v) => ({
    "kustomization.yaml":
      "resources: [secret.yaml]\npatches:\n  - path: p.yaml\n    target: {kind: Secret}\n",
    "p.yaml": `[{"op": "add", "path": "/data/x", "value": "${v}"\n`,
    "secret.yaml": s,
  }),
  "a builtin SecretGenerator config with a typo": (_s, v) => ({
    "kustomization.yaml": "generators: [gen.yaml]\n",
    "gen.yaml": `apiVersion: builtin\nkind: SecretGenerator\nmetadata: {name: g}\nliterals:\n  - password:${v}\n`,
  }),
  "a malformed patch whose target is a regular expression": (s, v) => ({
    "kustomization.yaml": `resources: [secret.yaml]\npatches:\n  - target: {kind: "Sec.*"}\n    patch: |\n      [{"op": "add", "path": "/data/x", "value": "${v}"\n`,
    "secret.yaml": s,
  }),
  "a helm chart whose template fails on a value": (_s, v) => ({
    "Chart.yaml": "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    "values.yaml": `db:\n  password: "${v}"\n`,
    "templates/secret.yaml": '{{ fail (printf "cannot use %s" .Values.db.password) }}\n',
  }),
};

function yamlToObject(text: string): unknown {
  const out: Record<string, unknown> = {};
  let map: Record<string, string> | undefined;
  for (const line of text.split("\n").filter(Boolean)) {
    const nested = /^ {2}([^:]+): "(.*)"$/.exec(line);
    if (nested && map) map[nested[1]!] = nested[2]!;
    else {
      const [key, rest] = line.split(/: ?/, 2) as [string, string];
      if (rest === "" || rest === undefined) out[key] = map = {};
      else out[key] = rest.replace(/^"|"$/g, "");
    }
  }
  return out;
}

const work = tempDir("capstan-property-");
afterAll(() => work.remove());
let counter = 0;

// Previews base → head of one environment whose head hides a Secret, as a pull request's preview worker
// does, and returns everything it hands over to be published: the comment's parts, both check runs
// (title, summary, text, annotations), or the error, and the stack of anything it threw.
async function everythingShown(files: Record<string, string>): Promise<string> {
  const root = join(work.dir, String(counter++));
  const write = (side: string, entries: Record<string, string>) => {
    for (const [path, text] of Object.entries(entries)) {
      mkdirSync(dirname(join(root, side, "env", path)), { recursive: true });
      writeFileSync(join(root, side, "env", path), text);
    }
  };
  const config = "environments:\n  - name: e\n    path: env\n    namespace: shop\n";
  for (const side of ["base", "head"]) {
    mkdirSync(join(root, side, ".github"), { recursive: true });
    writeFileSync(join(root, side, ".github/capstan.yml"), config);
  }
  write("base", { "placeholder.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\n" });
  write("head", files);
  try {
    const published = await runPreviewTask({
      baseRoot: join(root, "base"),
      headRoot: join(root, "head"),
      subject: { baseSha: "a".repeat(40), headSha: "b".repeat(40), fork: true, environments: [] },
      render: defaultRenderOptions(),
      repository: { owner: "someone", repo: "shop" },
      defaultBranch: "main",
    });
    expect(published.kind).toBe("published");
    return JSON.stringify(published);
  } catch (err) {
    return `${(err as Error).message}\n${(err as Error).stack ?? ""}`;
  } finally {
    // Thousands of cases: each removes its trees, so nothing piles up for the end of the file.
    await rm(root, { recursive: true, force: true });
  }
}

const forms = (v: string) => [
  v,
  Buffer.from(v).toString("base64"),
  Buffer.from(v).toString("base64").replace(/=+$/, ""),
  JSON.stringify(v).slice(1, -1),
];

describe("no Secret value ever reaches what a preview shows", () => {
  it.each(Object.entries(hidings))(
    "hidden in %s, in any spelling, valid or not",
    async (_where, hide) => {
      await fc.assert(
        fc.asyncProperty(value, kind, apiVersion, field, async (v, k, api, f) => {
          const stored = f === "data" ? Buffer.from(v).toString("base64") : v;
          const secret = `apiVersion: ${api}\nkind: ${k}\nmetadata:\n  name: s\n${f}:\n  password: "${stored}"\n`;
          const shown = await everythingShown(hide(secret, v));
          for (const form of forms(v)) expect(shown).not.toContain(form);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
    },
    600_000,
  );
});
