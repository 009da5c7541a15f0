/**
 * Pick slots: on which working day a warehouse picks a shipment, given its local cut-off time and its daily
 * capacity (in shipments). Time-zone arithmetic uses `Intl.DateTimeFormat`, which exists both in Node and in
 * Temporal's workflow sandbox, so the same answer comes out wherever this runs.
 *
 * Working days are Monday to Friday in the warehouse's time zone; public holidays are not modelled.
 */

export interface PickSlotRequest {
  nowMs: number;
  /** IANA time zone of the warehouse, e.g. "Europe/Paris". */
  timeZone: string;
  /** "HH:MM" local: work that arrives at or after it is picked the next working day. */
  cutoffLocalTime: string;
  /** Shipments the warehouse can pick per working day. */
  dailyCapacity: number;
  /** Shipments already given a slot, per local working day (YYYY-MM-DD). Missing days have none. */
  bookedByDay: Readonly<Record<string, number>>;
  /** How many calendar days ahead to look; beyond it the backlog is an operations problem, not a slot. */
  horizonDays?: number;
}

export interface PickSlot {
  /** Local working day (YYYY-MM-DD): the capacity bucket this shipment uses. */
  day: string;
  /** Now for a same-day slot, else local midnight starting `day`. */
  startsAtMs: number;
}

export const DEFAULT_SLOT_HORIZON_DAYS = 60;

/**
 * Today if before the cut-off on a working day with capacity left, else the next working day with capacity;
 * undefined when every working day of the horizon is full. Throws RangeError only on a misconfiguration
 * (bad cut-off, capacity below 1).
 */
export function nextPickSlot(request: PickSlotRequest): PickSlot | undefined {
  const { nowMs, timeZone, dailyCapacity, bookedByDay } = request;
  const horizonDays = request.horizonDays ?? DEFAULT_SLOT_HORIZON_DAYS;
  if (!(dailyCapacity >= 1)) throw new RangeError(`dailyCapacity must be at least 1, got ${dailyCapacity}`);
  const cutoffMinutes = parseLocalTime(request.cutoffLocalTime);

  const local = localDateTime(nowMs, timeZone);
  const hasRoom = (day: string) => (bookedByDay[day] ?? 0) < dailyCapacity;

  const today = isoDay(local.year, local.month, local.day);
  if (isWorkingDay(today) && local.hour * 60 + local.minute < cutoffMinutes && hasRoom(today)) {
    return { day: today, startsAtMs: nowMs };
  }
  for (let offset = 1; offset <= horizonDays; offset++) {
    const day = addDays(today, offset);
    if (isWorkingDay(day) && hasRoom(day)) return { day, startsAtMs: localMidnightMs(day, timeZone) };
  }
  return undefined;
}

/** Saturday and Sunday are not working days. `day` is a calendar date, so UTC arithmetic is exact. */
export function isWorkingDay(day: string): boolean {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** The local calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function localDay(ms: number, timeZone: string): string {
  const local = localDateTime(ms, timeZone);
  return isoDay(local.year, local.month, local.day);
}

function parseLocalTime(hhmm: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!match) throw new RangeError(`cut-off must be HH:MM, got "${hhmm}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Formatters are costly to build and immutable: one per time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function localDateTime(ms: number, timeZone: string): LocalDateTime {
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

/** The instant local midnight begins `day`; offsets are re-read after the first guess to follow DST changes. */
function localMidnightMs(day: string, timeZone: string): number {
  const wallClockAsUtc = Date.parse(`${day}T00:00:00Z`);
  let guess = wallClockAsUtc;
  for (let i = 0; i < 2; i++) {
    const local = localDateTime(guess, timeZone);
    const offsetMs =
      Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second) - Math.floor(guess / 1000) * 1000;
    guess = wallClockAsUtc - offsetMs;
  }
  return guess;
}

function isoDay(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
