import { describe, expect, it } from "vitest";
import type { EnvironmentReport } from "../../src/report/index.js";
import { capParts } from "../../src/report/index.js";

const env = (name: string, count: number): EnvironmentReport => ({
  name,
  notices: [],
  diff: {
    unchanged: 0,
    changes: Array.from({ length: count }, (_, i) => ({
      action: "added" as const,
      ref: { group: "", kind: "ConfigMap", namespace: "shop", name: `c${i}` },
      apiVersion: "v1",
      source: { file: "x.yaml", line: 1 },
      diff: "",
      images: [],
    })),
  },
});

describe("capping a report's comments", () => {
  const options = { max: 3, budget: 2_000, command: "capstan diff --repo . --base a --head b" };

  it("posts a report within the cap as it is", () => {
    expect(capParts(["p1", "p2", "p3"], [env("e", 2)], "<!-- 3 -->", options)).toEqual(["p1", "p2", "p3"]);
  });

  it("keeps the first parts and replaces the rest by an index of every changed object, as many as fit", () => {
    const parts = capParts(
      ["p1", "p2", "p3", "p4", "p5"],
      [env("staging", 2), env("prod", 500)],
      "<!-- 3 -->",
      options,
    );
    expect(parts).toHaveLength(3);
    expect(parts.slice(0, 2)).toEqual(["p1", "p2"]);
    const index = parts[2]!;
    expect(index.startsWith("<!-- 3 -->\n")).toBe(true);
    expect(index).toContain("This report has 5 parts; Capstan posts at most 3.");
    expect(index).toContain("`capstan diff --repo . --base a --head b` prints all of it locally");
    expect(index).toContain("- `staging`: added `ConfigMap/shop/c0`");
    expect(index).toMatch(/- … and \d+ more changed objects$/);
    expect(index.length).toBeLessThanOrEqual(2_000);
  });
});
