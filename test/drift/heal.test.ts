import { describe, expect, it } from "vitest";
import { afterHeal, type HealContext, healDecision, healToday } from "../../src/drift/index.js";

const now = new Date("2026-12-02T12:00:00Z");
const confirmed = { since: "2026-12-02T11:00:00Z", hash: "h", confirmed: true };
const base: HealContext = { mode: "heal", state: confirmed, now, budget: 3 };

describe("whether a heal runs", () => {
  it.each<[string, Partial<HealContext>, string | true]>([
    ["confirmed drift in heal mode heals", {}, true],
    ["report mode never heals", { mode: "report" }, "drift.mode is not heal"],
    ["suspected drift waits for confirmation", { state: { since: confirmed.since } }, "not confirmed"],
    ["behind the branch: the deploy comes first", { behindBy: "b".repeat(40) }, "bbbbbbb deploys first"],
    ["a sync holds the Lease", { leaseHolder: "web-1" }, "holds the Lease (web-1)"],
    [
      "a deploy freeze is on",
      { frozen: "frozen until 2026-12-07 08:00 UTC (weekend, set in .github/capstan.yml)" },
      "the environment is frozen until 2026-12-07 08:00 UTC (weekend",
    ],
    [
      "backing off after a failure",
      {
        state: {
          ...confirmed,
          heal: { day: "2026-12-02", count: 1, failures: 1, retryAt: "2026-12-02T12:30:00Z" },
        },
      },
      "backing off after 1 failed heals",
    ],
    [
      "the backoff has passed",
      {
        state: {
          ...confirmed,
          heal: { day: "2026-12-02", count: 1, failures: 1, retryAt: "2026-12-02T11:30:00Z" },
        },
      },
      true,
    ],
    [
      "today's budget is spent",
      { state: { ...confirmed, heal: { day: "2026-12-02", count: 3, failures: 0 } } },
      "today's 3 heals are spent",
    ],
    [
      "yesterday's budget does not count today",
      { state: { ...confirmed, heal: { day: "2026-12-01", count: 3, failures: 0, exhausted: true } } },
      true,
    ],
  ])("%s", (_case, context, expected) => {
    const decision = healDecision({ ...base, ...context });
    if (expected === true) expect(decision).toEqual({ heal: true });
    else expect(decision.heal === false && decision.reason).toContain(expected);
  });

  it("tells the issue once when the budget runs out", () => {
    const spent = { ...confirmed, heal: { day: "2026-12-02", count: 3, failures: 0 } };
    expect(healDecision({ ...base, state: spent })).toMatchObject({ heal: false, tell: "exhausted" });
    const told = { ...confirmed, heal: { ...spent.heal, exhausted: true } };
    expect(healDecision({ ...base, state: told })).not.toHaveProperty("tell");
  });
});

describe("what a heal leaves behind", () => {
  const interval = 10 * 60_000;
  it.each([
    {
      case: "a success counts and clears failures",
      before: { day: "2026-12-02", count: 1, failures: 2, retryAt: "2026-12-02T11:00:00Z" },
      ok: true,
      after: { day: "2026-12-02", count: 2, failures: 0 },
    },
    {
      case: "a first failure waits twice the interval",
      before: undefined,
      ok: false,
      after: { day: "2026-12-02", count: 1, failures: 1, retryAt: "2026-12-02T12:20:00.000Z" },
    },
    {
      case: "backoff doubles, up to six hours",
      before: { day: "2026-12-02", count: 5, failures: 9 },
      ok: false,
      after: { day: "2026-12-02", count: 6, failures: 10, retryAt: "2026-12-02T18:00:00.000Z" },
    },
    {
      case: "a new day starts a new count",
      before: { day: "2026-12-01", count: 6, failures: 0, exhausted: true },
      ok: true,
      after: { day: "2026-12-02", count: 1, failures: 0 },
    },
  ])("$case", ({ before, ok, after }) => {
    expect(afterHeal(before, ok, now, interval)).toEqual(after);
  });

  it("keeps failures across a day boundary (a cluster that rejects heals keeps backing off)", () => {
    expect(healToday({ day: "2026-12-01", count: 4, failures: 2, retryAt: "x" }, now)).toEqual({
      day: "2026-12-02",
      count: 0,
      failures: 2,
      retryAt: "x",
    });
  });
});
