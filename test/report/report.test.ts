import { describe, expect, it } from "vitest";
import type { ObjectChange } from "../../src/diff/index.js";
import type { Finding, PolicyResult } from "../../src/policy/index.js";
import { type EnvironmentReport, renderReport, splitParts } from "../../src/report/index.js";

const change = (
  name: string,
  diffLines: number,
  action: ObjectChange["action"] = "changed",
): ObjectChange => ({
  action,
  ref: { group: "", kind: "ConfigMap", namespace: "web", name },
  apiVersion: "v1",
  source: { file: "deploy/cm.yaml", line: 3 },
  diff: [
    "@@ -1,1 +1,1 @@",
    ...Array.from({ length: diffLines }, (_, i) => `+  key${i}: value-${name}-${i}`),
  ].join("\n"),
  images: [],
});

const env = (
  name: string,
  changes: ObjectChange[],
  extra: Partial<EnvironmentReport> = {},
): EnvironmentReport => ({
  name,
  renderer: "plain",
  diff: { changes, unchanged: 4 },
  notices: [],
  ...extra,
});

describe("renderReport", () => {
  it("opens with a summary table per environment, then collapsible diffs", () => {
    const [part, ...rest] = renderReport({
      environments: [
        env("staging", [
          change("a", 2, "added"),
          change("b", 2),
          change("c", 2, "removed"),
          change("d", 1, "added"),
        ]),
        {
          name: "broken",
          renderer: "kustomize",
          error: "at head: kustomize failed (exit 1): boom",
          notices: [],
        },
      ],
    });
    expect(rest).toEqual([]);
    expect(part).toContain("| Environment | Renderer | Added | Changed | Removed | Unchanged | Policy |");
    expect(part).toContain("| `staging` | plain | +2 | ~1 | −1 | 4 | — |");
    expect(part).toContain("| `broken` | kustomize | ⚠️ not rendered: see below | | | | — |");
    expect(part).toContain(
      "<details><summary><code>+ ConfigMap/web/a</code> added · deploy/cm.yaml:3</summary>",
    );
    expect(part).toContain("```diff\n@@ -1,1 +1,1 @@\n+  key0: value-a-0");
    expect(part).toContain(
      "❌ **Could not render this environment.**\n\n```\nat head: kustomize failed (exit 1): boom\n```",
    );
    expect(part!.indexOf("| `staging`")).toBeLessThan(part!.indexOf("<details>"));
  });

  it("summarizes image changes and says when an environment has none", () => {
    const withImage = {
      ...change("api", 2),
      images: [{ container: "api", before: "nginx:1.25", after: "nginx:1.27" }],
    };
    const [part] = renderReport({ environments: [env("staging", [withImage]), env("prod", [])] });
    expect(part).toContain("- `ConfigMap/web/api` (`api`): `nginx:1.25 → 1.27`");
    expect(part).toMatch(/#### `prod`\n\nNo changes\./);
  });

  it("says so when no environment is affected", () => {
    expect(renderReport({ environments: [] })).toEqual([
      "### Capstan preview\n\nNo environment is affected by this change.",
    ]);
  });

  it("keeps a diff that holds backticks inside its fence", () => {
    const tricky = { ...change("x", 0), diff: "+  script: |\n+    ```\n+    echo hi\n+    ````" };
    const [part] = renderReport({ environments: [env("e", [tricky])] });
    expect(part).toContain("`````diff\n+  script: |");
  });

  it("splits an oversize report into numbered parts within the budget, summary first, losing nothing", () => {
    const changes = Array.from({ length: 60 }, (_, i) => change(`object-${i}`, 60));
    const parts = renderReport(
      { environments: [env("big", changes)] },
      { budget: 65_536, prefix: "<!-- capstan:preview -->\n" },
    );
    expect(parts.length).toBeGreaterThan(1);
    parts.forEach((part, i) => {
      expect(part.length).toBeLessThanOrEqual(65_536);
      expect(
        part.startsWith(`<!-- capstan:preview -->\n### Capstan preview (part ${i + 1} of ${parts.length})`),
      ).toBe(true);
    });
    expect(parts[0]).toContain("| `big` | plain | +0 | ~60 | −0 | 4 | — |");
    expect(parts[0]).toContain(
      `> 📄 This report continues in part 2 of ${parts.length}, in the next comment.`,
    );
    expect(parts.at(-1)).not.toContain("continues in part");
    for (let i = 0; i < 60; i++) {
      expect(parts.filter((p) => p.includes(`<code>~ ConfigMap/web/object-${i}</code>`))).toHaveLength(1);
    }
  });

  it("cuts a single object's diff that cannot fit, and says how much is left out", () => {
    const [part, ...rest] = renderReport(
      { environments: [env("huge", [change("giant", 10_000)])] },
      { budget: 65_536, prefix: "" },
    );
    const parts = [part!, ...rest];
    expect(parts.every((p) => p.length <= 65_536)).toBe(true);
    const cut = parts.find((p) => p.includes("giant"))!;
    expect(cut).toMatch(
      /> ✂️ [\d,]+ more lines are not shown: this object's diff is larger than a GitHub comment\. Run `capstan diff` locally/,
    );
    expect(cut.match(/```/g)!.length % 2).toBe(0);
    expect(cut.trimEnd().endsWith("</details>")).toBe(true);
  });

  it("keeps every summary row of a repository with thousands of environments", () => {
    const environments = Array.from({ length: 1500 }, (_, i) => env(`env-${i}`, [change("a", 1)]));
    const parts = renderReport({ environments });
    const rows = parts.join("\n").match(/^\| `env-\d+` \|/gm) ?? [];
    expect(rows).toHaveLength(1500);
    expect(parts.every((p) => p.length <= 65_536)).toBe(true);
    expect(parts.join("\n")).not.toContain("✂️");
  });

  it("counts a long prefix against the budget", () => {
    const prefix = `<!-- ${"m".repeat(2000)} -->\n`;
    const parts = renderReport(
      {
        environments: [
          env(
            "big",
            Array.from({ length: 60 }, (_, i) => change(`o-${i}`, 60)),
          ),
        ],
      },
      { budget: 65_536, prefix },
    );
    expect(parts.every((p) => p.length <= 65_536 && p.startsWith(prefix))).toBe(true);
  });

  it("names environments the head's config dropped", () => {
    const [part] = renderReport({ environments: [], removedEnvironments: ["legacy"] });
    expect(part).toContain("⚠️ `legacy` is no longer in `.github/capstan.yml`: Capstan stops syncing it");
  });
});

describe("the policy part of the report", () => {
  const finding = (severity: "error" | "warning", message: string): Finding => ({
    rule: severity === "error" ? "image-tag" : "resources",
    severity,
    message,
    hint: `hint for ${severity}`,
    ref: { group: "apps", kind: "Deployment", namespace: "web", name: "api" },
    file: "deploy/app.yaml",
    line: 12,
  });

  it.each<[string, PolicyResult | undefined, string]>([
    ["not run", undefined, "| — |"],
    ["clean", { findings: [], exemptions: [], notices: [] }, "| ✅ passed |"],
    [
      "warnings only",
      { findings: [finding("warning", "w")], exemptions: [], notices: [] },
      "| ⚠️ 1 warning |",
    ],
    [
      "errors",
      {
        findings: [finding("error", "e"), finding("error", "e2"), finding("warning", "w")],
        exemptions: [],
        notices: [],
      },
      "| ❌ 2 errors, 1 warning |",
    ],
  ])("shows %s in the summary's policy column", (_name, policy, cell) => {
    const [part] = renderReport({ environments: [env("e", [], { policy })] });
    expect(part!.split("\n").find((l) => l.startsWith("| `e`"))).toContain(cell);
  });

  it("lists findings with rule, object and place, exemptions, notices and how to fix", () => {
    const policy: PolicyResult = {
      findings: [finding("error", "image nginx | has no tag <b>")],
      exemptions: [
        {
          rule: "resources",
          ref: { group: "", kind: "Pod", namespace: "web", name: "p" },
          file: "p.yaml",
          line: 4,
        },
      ],
      notices: ["Widget example.com/v1: no schema is known"],
    };
    const [part] = renderReport({ environments: [env("e", [], { policy })] });
    expect(part).toContain("**Policy: 1 error**");
    expect(part).toContain(
      "| ❌ | `image-tag` | `Deployment/web/api` | `deploy/app.yaml:12` | image nginx \\| has no tag &lt;b&gt; |",
    );
    expect(part).toContain(
      "Exempted by `capstan.dev/skip-policies`: `resources` on `Pod/web/p` (`p.yaml:4`)",
    );
    expect(part).toContain("ℹ️ Widget example.com/v1: no schema is known");
    expect(part).toContain("- `image-tag`: hint for error");
  });
});

describe("splitParts", () => {
  it("packs blocks in order into as few parts as fit", () => {
    const parts = splitParts(["s".repeat(300), "a".repeat(300), "b".repeat(300)], {
      budget: 700,
      header: (i, n) => `H${i}/${n}`,
      continued: (i, n) => `more ${i + 1}/${n}`,
    });
    expect(parts.map((p) => p.length <= 700)).toEqual([true, true]);
    expect(parts[0]).toMatch(/^H1\/2\n\ns{300}\n\na{300}\n\nmore 2\/2$/);
    expect(parts[1]).toBe(`H2/2\n\n${"b".repeat(300)}`);
  });
});
