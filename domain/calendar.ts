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
  /**
   * The region as an address or a warehouse gives it: a subdivision date-holidays knows, by code ("HH", "US-CA") or
   * by name ("California"), sets the holidays and the time zone where they differ inside the country; any other
   * text (a county, a typo) counts as no region.
   */
  region?: string | null;
  /**
   * The postal code, read where the region names no subdivision: an address in Martinique is French with a postal code
   * 972xx and, as often, no region; one in the Canaries Spanish with 35xxx or 38xxx. Without it their promises and pages
   * ran on Paris or Madrid time and holidays.
   */
  postalCode?: string | null;
}

/** Subdivisions whose own time zone or holidays a postal code tells, by country and the code's first digits. */
const SUBDIVISION_BY_POSTAL_PREFIX: Readonly<Record<string, readonly (readonly [prefix: string, subdivision: string])[]>> = {
  // Saint-Barthélemy and Saint-Martin share Guadeloupe's 971: their own codes first.
  FR: [
    ['97133', 'BL'],
    ['97150', 'MF'],
    ['971', 'GP'],
    ['972', 'MQ'],
    ['973', 'GF'],
    ['974', 'RE'],
    ['976', 'YT'],
    // Alsace and Moselle keep Good Friday and 26 December; their addresses name "Alsace" or "Grand Est", if anything.
    ['57', '57'],
    ['67', '67'],
    ['68', '68'],
  ],
  // A Spanish postal code opens with its province's number: each province lies in one community, whose holidays differ
  // (Catalonia's 11 September and 26 December, the Basque Country's 25 July…). Before, only the Canaries were read.
  ES: Object.entries({
    AN: ['04', '11', '14', '18', '21', '23', '29', '41'],
    AR: ['22', '44', '50'],
    AS: ['33'],
    CB: ['39'],
    CE: ['51'],
    CL: ['05', '09', '24', '34', '37', '40', '42', '47', '49'],
    CM: ['02', '13', '16', '19', '45'],
    CN: ['35', '38'],
    CT: ['08', '17', '25', '43'],
    EX: ['06', '10'],
    GA: ['15', '27', '32', '36'],
    IB: ['07'],
    MC: ['30'],
    MD: ['28'],
    ML: ['52'],
    NC: ['31'],
    PV: ['01', '20', '48'],
    RI: ['26'],
    VC: ['03', '12', '46'],
  }).flatMap(([community, provinces]) => provinces.map((province) => [province, community] as const)),
};

/**
 * Places of a country that keep another's calendar, by postal code: France's overseas collectivities have French postal
 * codes, their own ISO codes and their own time zone, across the date line from Paris for Tahiti and Nouméa. An address
 * in Papeete sent as FR 98714 was promised by the end of the day in Paris, 6:00 the next morning there.
 */
const CALENDAR_COUNTRY_BY_POSTAL_PREFIX: Readonly<Record<string, readonly (readonly [prefix: string, countryCode: string])[]>> = {
  FR: [
    ['975', 'PM'],
    ['986', 'WF'],
    ['987', 'PF'],
    ['988', 'NC'],
  ],
};

const byPostalPrefix = <T extends string>(
  table: Readonly<Record<string, readonly (readonly [prefix: string, value: T])[]>>,
  place: CalendarPlace,
): T | undefined => {
  const code = place.postalCode?.replace(/\s/g, '');
  if (!code) return undefined;
  return table[place.countryCode]?.find(([prefix]) => code.startsWith(prefix))?.[1];
};

/** The place's date-holidays subdivision: its region's, else the one its postal code tells, else none. */
export function subdivisionOfPlace(place: CalendarPlace): string | undefined {
  return subdivisionOf(place.countryCode, place.region) ?? byPostalPrefix(SUBDIVISION_BY_POSTAL_PREFIX, place);
}

/** The date-holidays calendar a place keeps: its country's and subdivision's, or the one its postal code names. */
function calendarOf(place: CalendarPlace): { countryCode: string; subdivision: string | undefined } {
  const subdivision = subdivisionOfPlace(place);
  if (subdivision !== undefined) return { countryCode: place.countryCode, subdivision };
  return { countryCode: byPostalPrefix(CALENDAR_COUNTRY_BY_POSTAL_PREFIX, place) ?? place.countryCode, subdivision: undefined };
}

const subdivisions = new Map<string, string | undefined>();

/**
 * The date-holidays subdivision code a region names, or undefined. A shop sends whatever its customer typed in the
 * region field: a state code for the US, Canada, Australia (what carriers ask), a name elsewhere, often nothing.
 */
export function subdivisionOf(countryCode: string, region: string | null | undefined): string | undefined {
  const given = region?.trim();
  if (!given) return undefined;
  const key = `${countryCode}|${given}`;
  if (subdivisions.has(key)) return subdivisions.get(key);
  const known = new Holidays().getStates(countryCode) ?? {};
  const upper = given.toUpperCase();
  const code = upper.startsWith(`${countryCode}-`) ? upper.slice(countryCode.length + 1) : upper;
  const byName = (name: string) => name.localeCompare(given, 'en', { sensitivity: 'base' }) === 0;
  const found = Object.hasOwn(known, code) ? code : Object.entries(known).find(([, name]) => byName(name))?.[0];
  // Free text from every order: the memo is bounded, not a store of every string ever typed.
  if (subdivisions.size > 10_000) subdivisions.clear();
  subdivisions.set(key, found);
  return found;
}

/** Holidays per place and year, computed once: date-holidays takes tens of milliseconds per year. */
const holidayCache = new Map<string, ReadonlySet<string>>();

export function publicHolidays(place: CalendarPlace, year: number): ReadonlySet<string> {
  const { countryCode, subdivision } = calendarOf(place);
  const key = `${countryCode}:${subdivision ?? ''}:${year}`;
  let days = holidayCache.get(key);
  if (!days) {
    days = computeHolidays(countryCode, subdivision, year);
    holidayCache.set(key, days);
  }
  return days;
}

function computeHolidays(countryCode: string, region: string | undefined, year: number): ReadonlySet<string> {
  const calendar = new Holidays();
  // A country date-holidays does not know has no holidays we can name: weekends still apply.
  if (!(countryCode in calendar.getCountries())) return new Set();
  if (region) calendar.init(countryCode, region);
  else calendar.init(countryCode);
  const holidays = calendar.getHolidays(year) || [];
  return new Set(holidays.filter((h) => h.type === 'public').flatMap((h) => holidayDays(h.date.slice(0, 10), h.start, h.end)));
}

/**
 * The local days a holiday covers: date-holidays gives one entry for a holiday of several days (Romania's New Year is
 * 1 and 2 January, one entry 48 hours long), and only its first day was counted, so 2 January was a working day there.
 * A half day (Iceland's Christmas Eve from 13:00) stays one day; a day of 23 or 25 hours (a clock change) is one day.
 */
function holidayDays(firstDay: string, start: Date, end: Date): string[] {
  const days = Math.max(1, Math.round((end.getTime() - start.getTime()) / 86_400_000));
  return Array.from({ length: days }, (_, i) => addDays(firstDay, i));
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
  const { countryCode, subdivision } = calendarOf(place);
  const key = `${countryCode}:${subdivision ?? ''}|${from}|${to}|${atMost}`;
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

/**
 * The place's main time zone: its region's where date-holidays knows the region (California: Los Angeles, the
 * Canary Islands: Atlantic/Canary), else its country's first (the US: New York), UTC for a country it does not know.
 */
export function timeZoneOf(place: CalendarPlace): string {
  const { countryCode, subdivision } = calendarOf(place);
  const key = `${countryCode}:${subdivision ?? ''}`;
  let zone = timeZones.get(key);
  if (zone === undefined) {
    const calendar = new Holidays();
    zone = 'UTC';
    if (countryCode in calendar.getCountries()) {
      if (subdivision) calendar.init(countryCode, subdivision);
      else calendar.init(countryCode);
      zone = calendar.getTimezones()[0] ?? 'UTC';
    }
    timeZones.set(key, zone);
  }
  return zone;
}
