import Holidays from 'date-holidays';
import { addDays, isWeekend } from './local-time';

/**
 * Working days per country: warehouses pick and carriers deliver Monday to Friday, except on the public
 * holidays of the place (country, and region where holidays differ by region, e.g. DE-HH). Holidays come
 * from `date-holidays`, which ships its rules with the package (no network). Not for workflow code: the
 * rules are large, and the journey asks activities for anything calendar-dependent.
 */

export interface CalendarPlace {
  countryCode: string;
  /** Subdivision code as date-holidays knows it ("HH" for Hamburg), when holidays differ inside the country. */
  region?: string;
}

/** Holidays per place and year, computed once: date-holidays takes tens of milliseconds per year. */
const holidayCache = new Map<string, ReadonlySet<string>>();

export function publicHolidays(place: CalendarPlace, year: number): ReadonlySet<string> {
  const key = `${place.countryCode}:${place.region ?? ''}:${year}`;
  let days = holidayCache.get(key);
  if (!days) {
    days = computeHolidays(place, year);
    holidayCache.set(key, days);
  }
  return days;
}

function computeHolidays(place: CalendarPlace, year: number): ReadonlySet<string> {
  const calendar = new Holidays();
  // A country date-holidays does not know has no holidays we can name: weekends still apply.
  if (!(place.countryCode in calendar.getCountries())) return new Set();
  if (place.region) calendar.init(place.countryCode, place.region);
  else calendar.init(place.countryCode);
  const holidays = calendar.getHolidays(year) || [];
  return new Set(holidays.filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
}

export function isPublicHoliday(place: CalendarPlace, day: string): boolean {
  return publicHolidays(place, Number(day.slice(0, 4))).has(day);
}

/** A warehouse picks and a carrier collects or delivers on this local day. */
export function isWorkingDayIn(place: CalendarPlace, day: string): boolean {
  return !isWeekend(day) && !isPublicHoliday(place, day);
}

/** The first working day strictly after `day`. */
export function nextWorkingDay(place: CalendarPlace, day: string): string {
  let next = addDays(day, 1);
  // Christmas to New Year can chain holidays and weekends, never for weeks.
  for (let i = 0; i < 30 && !isWorkingDayIn(place, next); i++) next = addDays(next, 1);
  return next;
}

/** The `n`-th working day after `day` (n ≥ 1); `day` itself for n = 0. */
export function addWorkingDays(place: CalendarPlace, day: string, n: number): string {
  let current = day;
  for (let i = 0; i < n; i++) current = nextWorkingDay(place, current);
  return current;
}

const betweenMemo = new Map<string, number>();

/**
 * Working days d with from < d ≤ to: how many delivery days a parcel handed over on `from` had by `to`, counted up
 * to `atMost` — a caller that only tells counts apart up to a transit's longest (a date years out under a demo
 * clock) need not walk every day, and every year's holidays, to it.
 */
export function workingDaysBetween(place: CalendarPlace, from: string, to: string, atMost = Number.POSITIVE_INFINITY): number {
  if (to <= from || atMost <= 0) return 0;
  const key = `${place.countryCode}:${place.region ?? ''}|${from}|${to}|${atMost}`;
  let count = betweenMemo.get(key);
  if (count === undefined) {
    count = 0;
    for (let day = addDays(from, 1); day <= to && count < atMost; day = addDays(day, 1)) if (isWorkingDayIn(place, day)) count += 1;
    if (betweenMemo.size > 100_000) betweenMemo.clear();
    betweenMemo.set(key, count);
  }
  return count;
}

const timeZones = new Map<string, string>();

/** The main time zone of a country (date-holidays knows each country's zones), UTC for one it does not know. */
export function timeZoneOf(countryCode: string): string {
  let zone = timeZones.get(countryCode);
  if (zone === undefined) {
    const calendar = new Holidays();
    zone = 'UTC';
    if (countryCode in calendar.getCountries()) {
      calendar.init(countryCode);
      zone = calendar.getTimezones()[0] ?? 'UTC';
    }
    timeZones.set(countryCode, zone);
  }
  return zone;
}
