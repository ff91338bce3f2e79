import {
  type FreezeWindow,
  type LocalDateTime,
  parseLocalDateTime,
  parseWeekdayTime,
} from "../config/freeze-schema.js";

/** A freeze window and who set it, for messages. */
export interface SourcedWindow {
  window: FreezeWindow;
  /** `.github/capstan.yml`, or the server config for a cluster (which the repository cannot loosen). */
  source: string;
}

/** A freeze in force: when it ends, and the windows that make it up (in the order they were entered). */
export interface ActiveFreeze {
  until: Date;
  windows: SourcedWindow[];
  /** The window that ends last: its time zone is the one `until` is said in. */
  last: SourcedWindow;
}

// A chain of windows that keeps touching is followed this far; past it the freeze is said to last
// "until" the last end found (a freeze that never ends, such as two windows covering the whole week).
const MAX_CHAIN = 64;

/**
 * The freeze in force at `now`, if any. Windows that overlap or touch (one starting where another
 * ends) make one freeze, which ends when the last of them does.
 */
export function activeFreeze(windows: readonly SourcedWindow[], now: Date): ActiveFreeze | undefined {
  let at = now.getTime();
  const involved: SourcedWindow[] = [];
  let last: SourcedWindow | undefined;
  for (let i = 0; i < MAX_CHAIN; i++) {
    let end: number | undefined;
    for (const w of windows) {
      const e = occurrenceEnd(w.window, at);
      if (e === undefined) continue;
      if (!involved.includes(w)) involved.push(w);
      if (end === undefined || e > end) [end, last] = [e, w];
    }
    if (end === undefined) break;
    at = end;
  }
  return last ? { until: new Date(at), windows: involved, last } : undefined;
}

/** When the occurrence of `window` that holds the instant `at` ends, or `undefined` when none holds it. */
export function occurrenceEnd(window: FreezeWindow, at: number): number | undefined {
  const zone = window.timeZone;
  if (window.dates) {
    const from = zonedInstant(parseLocalDateTime(window.dates.from)!, zone);
    const until = zonedInstant(parseLocalDateTime(window.dates.until)!, zone);
    return from <= at && at < until ? until : undefined;
  }
  const from = parseWeekdayTime(window.weekly!.from)!;
  const until = parseWeekdayTime(window.weekly!.until)!;
  const today = wallClock(at, zone);
  // The latest start at or before `at` decides: it is on one of the last eight local days.
  for (let back = 0; back <= 7; back++) {
    const date = addDays(today, -back);
    if (weekday(date) !== from.day) continue;
    const start = zonedInstant({ ...date, hour: from.hour, minute: from.minute, second: 0 }, zone);
    if (start > at) continue;
    let span = (until.day - from.day + 7) % 7;
    if (span === 0 && until.hour * 60 + until.minute <= from.hour * 60 + from.minute) span = 7;
    const endDate = addDays(date, span);
    const end = zonedInstant({ ...endDate, hour: until.hour, minute: until.minute, second: 0 }, zone);
    return at < end ? end : undefined;
  }
  return undefined;
}

/**
 * The instant a wall-clock time in `zone` names. A time that a daylight-saving change skips (02:30 on
 * a spring-forward night) is taken as the same time after the change (03:30); a time that happens twice
 * (the hour repeated in autumn) as its first occurrence. These are RFC 5545's and Temporal's rules.
 */
export function zonedInstant(wall: LocalDateTime, zone: string): number {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  // At most one offset change lies within a day either side of any local time.
  const before = offsetAt(asUtc - 86_400_000, zone);
  const after = offsetAt(asUtc + 86_400_000, zone);
  const candidates = [asUtc - before, asUtc - after].filter((t) => offsetAt(t, zone) === asUtc - t);
  if (candidates.length > 0) return Math.min(...candidates);
  return asUtc - before;
}

/** The wall-clock time at instant `at` in `zone`. */
export function wallClock(at: number, zone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(at))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** `2026-12-07 08:00 Europe/Berlin`: an instant as the people of a window's zone read it. */
export function formatInZone(at: Date, zone: string): string {
  const t = wallClock(at.getTime(), zone);
  const pad = (n: number) => String(n).padStart(2, "0");
  const seconds = t.second !== 0 ? `:${pad(t.second)}` : "";
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)}${seconds} ${zone}`;
}

/** What a freeze is called in messages: its windows' names, or what they say. */
export function describeFreeze(freeze: ActiveFreeze): string {
  return freeze.windows
    .map(({ window: w, source }) => {
      const what =
        w.name ?? (w.weekly ? `${w.weekly.from}–${w.weekly.until}` : `${w.dates!.from}–${w.dates!.until}`);
      return `${what}, set in ${source}`;
    })
    .join("; ");
}

// offset = wall clock read as UTC, minus the instant.
function offsetAt(at: number, zone: string): number {
  const whole = Math.floor(at / 1000) * 1000;
  const t = wallClock(whole, zone);
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - whole;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

type LocalDate = Pick<LocalDateTime, "year" | "month" | "day">;

function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

// Monday 0, as the config's weekdays.
function weekday(date: LocalDate): number {
  return (new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay() + 6) % 7;
}
