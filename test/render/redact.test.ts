import { describe, expect, it } from "vitest";
import { redact, secretValuesIn } from "../../src/render/redact.js";

const VALUE = "Tr0ub4dor-xyz";

describe("what is struck from a renderer's message", () => {
  it.each([
    ["Secret", true],
    ["secret", true],
    ['"SECRET"', true],
    ["!!str Secret", true],
    ["&k Secret", true],
    ['"Secr\\u0065t"', true],
    ["ConfigMap", false],
  ])("a document of kind %s that does not parse: struck %s", (kind, struck) => {
    const into = new Set<string>();
    secretValuesIn(
      `apiVersion: v1\nkind: ${kind}\nmetadata: {name: s}\nstringData:\n  password: "${VALUE}"\n  broken: [\n`,
      into,
    );
    expect(redact(`error near password: "${VALUE}"`, into).includes(VALUE)).toBe(!struck);
  });

  it("walks a shared anchor once, however many Secrets of a List alias it", () => {
    const values = Array.from({ length: 5_000 }, (_, i) => `v${i}-${VALUE}`);
    const items = [
      `  - {apiVersion: v1, kind: Secret, metadata: {name: s0}, data: &d {${values.map((v, i) => `k${i}: ${v}`).join(", ")}}}`,
    ];
    for (let i = 1; i < 2_000; i++)
      items.push(`  - {apiVersion: v1, kind: Secret, metadata: {name: s${i}}, data: *d}`);
    const into = new Set<string>();
    // 2,000 references to 5,000 values would be 10 M steps walked one by one, past the budget of 1 M:
    // the values would then be struck only as part of whole lines, never one by one.
    secretValuesIn(`apiVersion: v1\nkind: List\nitems:\n${items.join("\n")}\n`, into);
    expect(into.has(values[4_999]!)).toBe(true);
  });
});
