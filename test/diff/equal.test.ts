import { describe, expect, it } from "vitest";
import { deepEqual } from "../../src/diff/index.js";

describe("deepEqual", () => {
  it.each<[string, unknown, unknown, boolean]>([
    ["equal scalars", "a", "a", true],
    ["different scalars", 1, "1", false],
    ["maps in another key order", { a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }, true],
    ["a map with an extra key", { a: 1 }, { a: 1, b: 2 }, false],
    ["a map with another key of the same count", { a: 1 }, { b: 1 }, false],
    ["lists in another order", [1, 2], [2, 1], false],
    ["lists of different length", [1], [1, 1], false],
    ["a list and a map", [], {}, false],
    ["null and a map", null, {}, false],
    ["a key set to null and a missing key", { a: null }, {}, false],
  ])("%s → %s", (_name, a, b, equal) => {
    expect(deepEqual(a, b)).toBe(equal);
    expect(deepEqual(b, a)).toBe(equal);
  });
});
