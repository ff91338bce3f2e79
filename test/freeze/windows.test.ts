import { describe, expect, it } from "vitest";
import {
  type FreezeWindow,
  freezeWindowSchema,
  parseConfig,
  parseServerConfig,
} from "../../src/config/index.js";
import {
  activeFreeze,
  environmentFreeze,
  formatInZone,
  frozenUntil,
  type SourcedWindow,
  zonedInstant,
} from "../../src/freeze/index.js";

const window = (w: Record<string, unknown>): SourcedWindow => ({
  window: freezeWindowSchema.parse(w) as FreezeWindow,
  source: ".github/capstan.yml",
});
const until = (windows: SourcedWindow[], at: string) =>
  activeFreeze(windows, new Date(at))?.until.toISOString();

describe("a weekly window", () => {
  const weekend = window({ weekly: { from: "Fri 18:00", until: "Mon 08:00" }, timeZone: "Europe/Berlin" });
  it.each([
    // 2026-12-04 is a Friday; Berlin is UTC+1 in December.
    ["Friday 17:59 Berlin", "2026-12-04T16:59:00Z", undefined],
    ["Friday 18:00 Berlin, its start, is in", "2026-12-04T17:00:00Z", "2026-12-07T07:00:00.000Z"],
    ["Saturday noon", "2026-12-05T11:00:00Z", "2026-12-07T07:00:00.000Z"],
    ["Monday 07:59 Berlin", "2026-12-07T06:59:00Z", "2026-12-07T07:00:00.000Z"],
    ["Monday 08:00 Berlin, its end, is out", "2026-12-07T07:00:00Z", undefined],
    ["Wednesday", "2026-12-09T12:00:00Z", undefined],
    // Summer: UTC+2, so the same local hours are an hour earlier in UTC.
    ["a Saturday in July", "2026-07-11T12:00:00Z", "2026-07-13T06:00:00.000Z"],
    // The weekend of 2026-10-25, when Berlin leaves summer time: it starts at 16:00Z and ends at 07:00Z.
    ["Friday 18:00 CEST before the autumn change", "2026-10-23T16:00:00Z", "2026-10-26T07:00:00.000Z"],
    ["Monday 07:30 CET after it", "2026-10-26T06:30:00Z", "2026-10-26T07:00:00.000Z"],
    ["Monday 08:00 CET after it", "2026-10-26T07:00:00Z", undefined],
    // The weekend of 2026-03-29, when summer time begins: starts at 17:00Z, ends at 06:00Z.
    ["Friday 17:30 UTC before the spring change", "2026-03-27T16:30:00Z", undefined],
    ["Sunday after the spring change", "2026-03-29T12:00:00Z", "2026-03-30T06:00:00.000Z"],
  ])("%s: %s", (_what, at, expected) => {
    expect(until([weekend], at)).toBe(expected);
  });

  it.each([
    // Sunday evening into Monday morning, wrapping the end of the week.
    [{ from: "Sun 20:00", until: "Mon 06:00" }, "UTC", "2026-12-06T23:00:00Z", "2026-12-07T06:00:00.000Z"],
    [{ from: "Sun 20:00", until: "Mon 06:00" }, "UTC", "2026-12-07T05:59:59Z", "2026-12-07T06:00:00.000Z"],
    [{ from: "Sun 20:00", until: "Mon 06:00" }, "UTC", "2026-12-06T19:59:59Z", undefined],
    // Ends on its own weekday before it starts: six days and 23 hours.
    [{ from: "Mon 09:00", until: "Mon 08:00" }, "UTC", "2026-12-07T08:30:00Z", undefined],
    [{ from: "Mon 09:00", until: "Mon 08:00" }, "UTC", "2026-12-07T10:00:00Z", "2026-12-14T08:00:00.000Z"],
    // Lowercase weekdays; a half-hour zone (India, UTC+5:30, no summer time).
    [
      { from: "thu 22:00", until: "fri 02:00" },
      "Asia/Kolkata",
      "2026-12-03T17:00:00Z",
      "2026-12-03T20:30:00.000Z",
    ],
    // New York leaves summer time on 2026-11-01 at 02:00: Saturday 22:00 EDT to Sunday 06:00 EST.
    [
      { from: "Sat 22:00", until: "Sun 06:00" },
      "America/New_York",
      "2026-11-01T02:00:00Z",
      "2026-11-01T11:00:00.000Z",
    ],
    [
      { from: "Sat 22:00", until: "Sun 06:00" },
      "America/New_York",
      "2026-11-01T10:59:00Z",
      "2026-11-01T11:00:00.000Z",
    ],
    // Southern hemisphere: Sydney enters summer time on 2026-10-04 (02:00 → 03:00).
    [
      { from: "Sat 20:00", until: "Sun 08:00" },
      "Australia/Sydney",
      "2026-10-03T20:00:00Z",
      "2026-10-03T21:00:00.000Z",
    ],
  ])("%o in %s at %s", (weekly, timeZone, at, expected) => {
    expect(until([window({ weekly, timeZone })], at)).toBe(expected);
  });

  it("starting at a time the spring change skips, starts just after it", () => {
    // 02:30 does not exist in Berlin on 2026-03-29; the window begins at 03:30 CEST (01:30Z).
    const skipped = window({ weekly: { from: "Sun 02:30", until: "Sun 04:00" }, timeZone: "Europe/Berlin" });
    expect(until([skipped], "2026-03-29T01:15:00Z")).toBeUndefined();
    expect(until([skipped], "2026-03-29T01:30:00Z")).toBe("2026-03-29T02:00:00.000Z");
  });
});

describe("a window of dates", () => {
  const yearEnd = window({
    name: "year-end",
    dates: { from: "2026-12-21", until: "2027-01-04" },
    timeZone: "Europe/Berlin",
  });
  it.each([
    ["just before midnight in Berlin", "2026-12-20T22:59:59Z", undefined],
    ["midnight in Berlin", "2026-12-20T23:00:00Z", "2027-01-03T23:00:00.000Z"],
    ["new year's day", "2027-01-01T12:00:00Z", "2027-01-03T23:00:00.000Z"],
    ["the 4th, in Berlin", "2027-01-03T23:00:00Z", undefined],
  ])("%s", (_what, at, expected) => {
    expect(until([yearEnd], at)).toBe(expected);
  });

  it("takes times to the second, in UTC by default", () => {
    const short = window({ dates: { from: "2026-12-02T10:00:00", until: "2026-12-02T10:00:30" } });
    expect(until([short], "2026-12-02T10:00:29Z")).toBe("2026-12-02T10:00:30.000Z");
    expect(until([short], "2026-12-02T10:00:30Z")).toBeUndefined();
  });
});

describe("windows together", () => {
  it("that touch or overlap make one freeze, until the last ends, said in that window's zone", () => {
    const weekend = window({
      name: "weekend",
      weekly: { from: "Fri 18:00", until: "Mon 08:00" },
      timeZone: "Europe/Berlin",
    });
    const yearEnd = window({
      name: "year-end",
      dates: { from: "2026-12-21", until: "2027-01-04" },
      timeZone: "America/New_York",
    });
    const freeze = activeFreeze([weekend, yearEnd], new Date("2026-12-19T12:00:00Z"))!;
    // The weekend runs into the year-end freeze (Monday 00:00 New York is before Monday 08:00 Berlin),
    // which ends on a Monday at 00:00 New York, inside the next weekend's window: that one ends it.
    expect(freeze.until.toISOString()).toBe("2027-01-04T07:00:00.000Z");
    expect(freeze.windows.map((w) => w.window.name)).toEqual(["weekend", "year-end"]);
    expect(frozenUntil(freeze)).toBe(
      "frozen until 2027-01-04 08:00 Europe/Berlin (weekend, set in .github/capstan.yml; year-end, set in .github/capstan.yml)",
    );
  });

  it("that cover the whole week end as far as the chain is followed", () => {
    const a = window({ weekly: { from: "Mon 00:00", until: "Thu 00:00" } });
    const b = window({ weekly: { from: "Thu 00:00", until: "Mon 00:00" } });
    const freeze = activeFreeze([a, b], new Date("2026-12-02T12:00:00Z"))!;
    expect(freeze.until.getTime()).toBeGreaterThan(Date.parse("2027-06-01T00:00:00Z"));
  });

  it("of the server config for a cluster hold a repository's environment whatever it says", () => {
    const server = parseServerConfig(
      "clusters:\n  prod:\n    kubeconfig: /k\n    freeze:\n      - name: change-freeze\n        dates: {from: '2026-12-01', until: '2026-12-03'}\nrepositories: {}\n",
      "server.yml",
    );
    const config = parseConfig(
      "environments:\n  - {name: web, path: deploy, cluster: prod}\n",
      "capstan.yml",
    );
    const freeze = environmentFreeze(
      config,
      config.environments[0]!,
      server,
      new Date("2026-12-02T06:00:00Z"),
    )!;
    expect(frozenUntil(freeze)).toBe(
      "frozen until 2026-12-03 00:00 UTC (change-freeze, set in the server config for cluster prod)",
    );
    const other = { ...config.environments[0]!, cluster: "staging" };
    expect(environmentFreeze(config, other, server, new Date("2026-12-02T06:00:00Z"))).toBeUndefined();
  });
});

describe("zonedInstant", () => {
  it.each([
    [
      "an ordinary time",
      { year: 2026, month: 12, day: 2, hour: 9, minute: 0, second: 0 },
      "Europe/Berlin",
      "2026-12-02T08:00:00.000Z",
    ],
    [
      "the repeated hour in autumn: its first occurrence",
      { year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 },
      "Europe/Berlin",
      "2026-10-25T00:30:00.000Z",
    ],
    [
      "the skipped hour in spring: the same time after the change",
      { year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 },
      "Europe/Berlin",
      "2026-03-29T01:30:00.000Z",
    ],
    [
      "a zone 14 hours ahead",
      { year: 2026, month: 12, day: 2, hour: 0, minute: 0, second: 0 },
      "Pacific/Kiritimati",
      "2026-12-01T10:00:00.000Z",
    ],
  ])("%s", (_what, wall, zone, expected) => {
    expect(new Date(zonedInstant(wall, zone)).toISOString()).toBe(expected);
  });

  it("formats an instant in a zone as its people read it", () => {
    expect(formatInZone(new Date("2026-12-07T07:00:00Z"), "Europe/Berlin")).toBe(
      "2026-12-07 08:00 Europe/Berlin",
    );
    expect(formatInZone(new Date("2026-12-07T07:00:05Z"), "UTC")).toBe("2026-12-07 07:00:05 UTC");
  });
});

describe("freeze in .github/capstan.yml", () => {
  const config = (freeze: string) =>
    parseConfig(`environments:\n  - name: web\n    path: deploy\n    freeze:\n${freeze}`, "capstan.yml");
  it.each([
    [
      "      - {weekly: {from: 'Fri 25:00', until: 'Mon 08:00'}}\n",
      /weekly.from.*weekday and a time such as "Fri 18:00"/,
    ],
    [
      "      - {weekly: {from: 'Fri 18:00', until: 'Mon 08:00'}, timeZone: Europe/Berlinn}\n",
      /timeZone.*IANA time zone/,
    ],
    ["      - {dates: {from: '2026-12-24', until: '2026-12-24'}}\n", /dates.until.*later than from/],
    ["      - {dates: {from: '2026-02-30', until: '2026-03-02'}}\n", /dates.from.*must be a date/],
    ["      - {name: x}\n", /either weekly/],
    ["      - {weekly: {from: 'Fri 18:00', until: 'fri 18:00'}}\n", /weekly.until.*differ/],
  ])("refuses %j with a message on its line", (freeze, message) => {
    expect(() => config(freeze)).toThrow(message);
    try {
      config(freeze);
    } catch (err) {
      expect((err as { problems: Array<{ line: number }> }).problems[0]!.line).toBe(5);
    }
  });

  it("refuses more than 50 windows in one list", () => {
    const many = "      - {weekly: {from: 'Fri 18:00', until: 'Mon 08:00'}}\n".repeat(51);
    expect(() => config(many)).toThrow(/freeze: .*(50|too big|at most)/i);
  });

  it("refuses a cluster's bad window in the server config at its line", () => {
    const server =
      "clusters:\n  prod:\n    kubeconfig: /k\n    freeze:\n      - {weekly: {from: 'Fri 18:00', until: 'Mon 08:00'}, timeZone: Mars/Olympus}\nrepositories: {}\n";
    expect(() => parseServerConfig(server, "server.yml")).toThrow(
      /server\.yml:5: .*timeZone: must be an IANA time zone/,
    );
  });

  it("reads weekly and dated windows, in UTC unless told", () => {
    const parsed = config(
      "      - {weekly: {from: 'Fri 18:00', until: 'Mon 08:00'}}\n      - {dates: {from: 2026-12-21, until: 2027-01-04}, timeZone: Europe/Berlin}\n",
    );
    expect(parsed.environments[0]!.freeze).toEqual([
      { weekly: { from: "Fri 18:00", until: "Mon 08:00" }, timeZone: "UTC" },
      { dates: { from: "2026-12-21", until: "2027-01-04" }, timeZone: "Europe/Berlin" },
    ]);
    expect(parsed.freeze).toEqual([]);
  });
});
