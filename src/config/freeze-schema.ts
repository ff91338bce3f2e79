import { z } from "zod";

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const WEEKDAY_TIME = /^(mon|tue|wed|thu|fri|sat|sun) ([01]\d|2[0-3]):([0-5]\d)$/i;
const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?)?$/;

/** A weekday and a time of day, Monday 0. */
export interface WeekdayTime {
  day: number;
  hour: number;
  minute: number;
}

/** A wall-clock date and time, as written: no zone of its own. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Reads `Fri 18:00`. */
export function parseWeekdayTime(text: string): WeekdayTime | undefined {
  const match = WEEKDAY_TIME.exec(text);
  if (!match) return undefined;
  return {
    day: DAYS.indexOf(match[1]!.toLowerCase() as (typeof DAYS)[number]),
    hour: Number(match[2]),
    minute: Number(match[3]),
  };
}

/** Reads `2026-12-24`, `2026-12-24T18:00` or `2026-12-24 18:00:30`; a date alone is its midnight. */
export function parseLocalDateTime(text: string): LocalDateTime | undefined {
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((p) => Number(p ?? 0)) as number[];
  const check = new Date(Date.UTC(year!, month! - 1, day!));
  // 2026-02-30 is no date.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month! - 1 || check.getUTCDate() !== day)
    return undefined;
  return { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second! };
}

/** Whether the runtime knows an IANA time zone by this name. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const weekdayTime = z.string().refine((t) => parseWeekdayTime(t) !== undefined, {
  error: 'must be a weekday and a time such as "Fri 18:00" (Mon to Sun, 24-hour clock)',
});
const localDateTime = z.string().refine((t) => parseLocalDateTime(t) !== undefined, {
  error: 'must be a date such as "2026-12-24", or a date and time such as "2026-12-24T18:00" (quote it)',
});

const key = (t: LocalDateTime) =>
  [t.year, t.month, t.day, t.hour, t.minute, t.second].map((n) => String(n).padStart(4, "0")).join("");

/**
 * A time when merges are not deployed: every week from one weekday and time until another, or once,
 * between two dates. Times are wall-clock times in `timeZone`, so a window keeps its local hours across
 * daylight-saving changes.
 */
export const freezeWindowSchema = z
  .strictObject({
    /** Said in the Deployment, the PR comment and the preview, e.g. `weekend` or `year-end`. */
    name: z
      .string()
      .min(1)
      .max(40)
      .optional()
      .meta({ description: "Said wherever the freeze is, e.g. weekend or year-end." }),
    /** The IANA time zone the times are in, e.g. `Europe/Berlin`. */
    timeZone: z
      .string()
      .refine(isTimeZone, {
        error: "must be an IANA time zone such as Europe/Berlin, America/New_York or UTC",
      })
      .default("UTC")
      .meta({ description: "IANA time zone of the times, e.g. Europe/Berlin. Default UTC." }),
    /** Every week: `from: Fri 18:00`, `until: Mon 08:00`. */
    weekly: z
      .strictObject({
        from: weekdayTime.meta({ description: 'Start, e.g. "Fri 18:00".' }),
        until: weekdayTime.meta({ description: 'End, e.g. "Mon 08:00" (not included).' }),
      })
      .optional()
      .meta({ description: "Every week, from a weekday and time until another (may wrap the week)." }),
    /** Once: `from: 2026-12-21`, `until: 2027-01-04` (frozen until the 4th begins). */
    dates: z
      .strictObject({
        from: localDateTime.meta({ description: 'Start, e.g. "2026-12-21" or "2026-12-21T18:00".' }),
        until: localDateTime.meta({
          description: 'End, not included, e.g. "2027-01-04" (the freeze ends as the 4th begins).',
        }),
      })
      .optional()
      .meta({ description: "Once, from a date (and time) until another." }),
  })
  .superRefine((w, ctx) => {
    if ((w.weekly === undefined) === (w.dates === undefined)) {
      ctx.addIssue({ code: "custom", message: "give either weekly: {from, until} or dates: {from, until}" });
      return;
    }
    if (w.weekly && w.weekly.from.toLowerCase() === w.weekly.until.toLowerCase())
      ctx.addIssue({ code: "custom", path: ["weekly", "until"], message: "must differ from from" });
    const from = w.dates && parseLocalDateTime(w.dates.from);
    const until = w.dates && parseLocalDateTime(w.dates.until);
    if (from && until && key(until) <= key(from))
      ctx.addIssue({ code: "custom", path: ["dates", "until"], message: "must be later than from" });
  })
  .meta({
    description:
      "A time when merges are not deployed: weekly {from, until} as weekday and time, or dates {from, until}, in timeZone.",
  });

/** Freeze windows, as a config lists them. */
export const freezeSchema = z
  .array(freezeWindowSchema)
  .max(50)
  .default([])
  .meta({ description: "Times when merges are not deployed (automatic reverts still are)." });

/** One freeze window, defaulted. */
export type FreezeWindow = z.output<typeof freezeWindowSchema>;
