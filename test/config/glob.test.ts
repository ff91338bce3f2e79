import { describe, expect, it } from "vitest";
import { matchesGlob } from "../../src/config/index.js";

describe("bound patterns", () => {
  it.each([
    ["shop", "shop", true],
    ["shop", "shop-*", false],
    ["shop-eu", "shop-*", true],
    ["shop-", "shop-*", true],
    ["team-a-shop", "*-shop", true],
    ["release/1.2", "release/*", true],
    ["release", "release/*", false],
    ["a-b-c", "a-*-c", true],
    ["a-c", "a-*-c", false],
    ["abc", "a*b*c", true],
    ["ac", "a*b*c", false],
    ["anything", "*", true],
    ["", "*", true],
    ["kube-system", "kube-sys", false],
  ])("%j against %j: %s", (value, pattern, want) => {
    expect(matchesGlob(value, pattern)).toBe(want);
  });
});
