/**
 * Wall-clock dates and times in a time zone, with `Intl.DateTimeFormat` only (present in Node and in
 * Temporal's workflow sandbox), so the same answer comes out wherever this runs. Days are calendar
 * dates `YYYY-MM-DD`, on which UTC arithmetic is exact.
 */

import { DAY_MS } from './clock';

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Formatters are costly to build and immutable: one per time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function localDateTime(ms: number, timeZone: string): LocalDateTime {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The local calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function localDay(ms: number, timeZone: string): string {
  const local = localDateTime(ms, timeZone);
  return isoDay(local.year, local.month, local.day);
}

/** Minutes since local midnight of an instant in a time zone. */
export function localMinuteOfDay(ms: number, timeZone: string): number {
  const local = localDateTime(ms, timeZone);
  return local.hour * 60 + local.minute;
}

/**
 * The instant a local wall-clock time (minutes after midnight) happens on `day`. Where the clocks go back and the time
 * happens twice, the first of the two; where they go forward past it, the jump itself, the first instant the clock
 * shows the time or later (02:30 in a gap from 02:00 to 03:00 is 03:00), so a later time of the day is never an earlier
 * instant. Before, a gap was read forward east of Greenwich and backward west of it (02:30 in New York on the day of
 * the change was 01:30, before 01:59), and midnight on the day Santiago or Cairo skips it was the evening before.
 */
export function localTimeMs(day: string, minuteOfDay: number, timeZone: string): number {
  const asked = Date.parse(`${day}T00:00:00Z`) + minuteOfDay * 60_000;
  // The offsets in force a day before and a day after: no zone changes its clocks twice within two days.
  const offsets = [utcOffsetMs(asked - DAY_MS, timeZone), utcOffsetMs(asked + DAY_MS, timeZone)];
  const reading = (ms: number) => ms + utcOffsetMs(ms, timeZone);
  const first = asked - Math.max(...offsets);
  if (reading(first) === asked) return first;
  const second = asked - Math.min(...offsets);
  if (reading(second) === asked) return second;
  // Skipped: `first` reads before the jump, `second` after it; the jump is found to the second between them.
  let [before, after] = [first, second];
  while (after - before > 1000) {
    const middle = before + Math.floor((after - before) / 2000) * 1000;
    if (reading(middle) >= asked) after = middle;
    else before = middle;
  }
  return after;
}

/** Local wall-clock time minus UTC at an instant, to the second. */
function utcOffsetMs(ms: number, timeZone: string): number {
  const local = localDateTime(ms, timeZone);
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant local midnight begins `day`. */
export function localMidnightMs(day: string, timeZone: string): number {
  return localTimeMs(day, 0, timeZone);
}

/** "HH:MM" → minutes after midnight; RangeError on anything else. */
export function parseLocalTime(hhmm: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!match) throw new RangeError(`a local time is HH:MM, got "${hhmm}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

export function isoDay(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Day arithmetic is hot in the promise engine's loops: answers are kept (a few thousand distinct days at most). */
const addDaysMemo = new Map<string, string>();

export function addDays(day: string, days: number): string {
  const key = `${day}|${days}`;
  let result = addDaysMemo.get(key);
  if (result === undefined) {
    result = new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
    if (addDaysMemo.size > 50_000) addDaysMemo.clear();
    addDaysMemo.set(key, result);
  }
  return result;
}

/** Saturday and Sunday. */
export function isWeekend(day: string): boolean {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday === 0 || weekday === 6;
}
