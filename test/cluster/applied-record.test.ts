import { describe, expect, it } from "vitest";
import { appliedHash, formatRecord, holds, parseRecord } from "../../src/cluster/applied-record.js";

describe("holds: whether every value Capstan sends is still live", () => {
  it.each<[string, unknown, unknown, boolean]>([
    ["equal scalars", "a", "a", true],
    ["a changed scalar", "b", "a", false],
    ["extra live fields (defaults, status)", { a: 1, b: 2 }, { a: 1 }, true],
    ["a field missing live", { b: 2 }, { a: 1 }, false],
    ["lists element by element", [{ a: 1, d: 0 }], [{ a: 1 }], true],
    ["a list of another length", [{ a: 1 }, { a: 2 }], [{ a: 1 }], false],
    ["a null desired field unset live", {}, { creationTimestamp: null }, true],
    ["a null desired field set live", { creationTimestamp: "x" }, { creationTimestamp: null }, false],
    ["a number as a string", { port: "80" }, { port: 80 }, false],
    ["an object where a list is expected", { a: {} }, { a: [] }, false],
  ])("%s", (_, live, desired, expected) => expect(holds(live, desired)).toBe(expected));
});

describe("the applied record", () => {
  it("hashes objects independently of key order, and differently for any change", () => {
    const a = appliedHash({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a" },
      data: { x: "1", y: "2" },
    });
    const reordered = appliedHash({
      kind: "ConfigMap",
      apiVersion: "v1",
      data: { y: "2", x: "1" },
      metadata: { name: "a" },
    });
    const changed = appliedHash({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a" },
      data: { x: "1", y: "3" },
    });
    expect(a).toHaveLength(16);
    expect(reordered).toBe(a);
    expect(changed).not.toBe(a);
  });

  it("round-trips through the parent's data and ignores malformed lines", () => {
    const record = new Map([
      ["/ConfigMap/web/a", "65YG82V62ngegNXM"],
      ["apps/Deployment/web/api", "-k_bZI89ay1JITvr"],
    ]);
    expect(parseRecord(formatRecord(record))).toEqual(record);
    expect(parseRecord("garbage\nshort /ConfigMap/web/b\n")).toEqual(new Map());
    expect(parseRecord(undefined)).toEqual(new Map());
  });

  it("is not kept when it would not fit a ConfigMap comfortably", () => {
    const big = new Map(
      Array.from({ length: 20_000 }, (_, i) => [
        `/ConfigMap/web/object-${i}-${"x".repeat(20)}`,
        "65YG82V62ngegNXM",
      ]),
    );
    expect(formatRecord(big)).toBeUndefined();
  });
});
