import { describe, expect, it } from "vitest";
import { annotationsOf, stateOf } from "../../src/cluster/drift-state.js";
import type { DriftState } from "../../src/drift/index.js";

describe("the drift state on the parent's annotations", () => {
  it.each<[string, DriftState]>([
    ["nothing", {}],
    ["suspected", { since: "2026-12-02T10:00:00.000Z", hash: "abc", revision: "a".repeat(40) }],
    [
      "confirmed, with its issue",
      { since: "2026-12-02T10:00:00.000Z", hash: "abc", confirmed: true, issue: 12 },
    ],
    ["heals counted today", { heal: { day: "2026-12-02", count: 2, failures: 0 } }],
    [
      "a failed heal backing off, and the budget told",
      {
        heal: {
          day: "2026-12-02",
          count: 6,
          failures: 2,
          retryAt: "2026-12-02T12:20:00.000Z",
          exhausted: true,
        },
      },
    ],
  ])("%s reads back as written", (_case, state) => {
    expect(stateOf(annotationsOf(state))).toEqual(state);
  });

  it.each([
    ["a heal record that is not one", { "capstan.dev/drift-heals": "lots" }],
    ["an issue number that is not one", { "capstan.dev/drift-issue": "-3" }],
  ])("%s reads as nothing (a budget never blocks forever on a bad annotation)", (_case, annotations) => {
    expect(stateOf(annotations)).toEqual({});
  });
});
