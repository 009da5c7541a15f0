import { addDays, isoDay, isWeekend, localDateTime, localDay, localMidnightMs, localTimeMs, parseLocalTime } from './local-time';

export { localDay } from './local-time';

/**
 * Pick slots: on which working day a warehouse picks a shipment, given its local cut-off time and its daily
 * capacity (in shipments). Time-zone arithmetic uses `Intl.DateTimeFormat`, which exists both in Node and in
 * Temporal's workflow sandbox, so the same answer comes out wherever this runs.
 *
 * Working days are Monday to Friday in the warehouse's time zone by default; callers that know the warehouse's
 * public holidays pass `isPickDay` (see domain/calendar.ts).
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
  /** Whether the warehouse picks on a local day; Monday to Friday when omitted. */
  isPickDay?: (day: string) => boolean;
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
  const isPickDay = request.isPickDay ?? isWorkingDay;

  const local = localDateTime(nowMs, timeZone);
  const hasRoom = (day: string) => (bookedByDay[day] ?? 0) < dailyCapacity;

  const today = isoDay(local.year, local.month, local.day);
  // Before the cut-off on the clock, and before the clock first showed it: where the clocks go back over the cut-off,
  // an order in the repeated hour came after one the warehouse had already moved to the next day.
  const beforeCutoff = local.hour * 60 + local.minute < cutoffMinutes && nowMs < localTimeMs(today, cutoffMinutes, timeZone);
  if (isPickDay(today) && beforeCutoff && hasRoom(today)) {
    return { day: today, startsAtMs: nowMs };
  }
  for (let offset = 1; offset <= horizonDays; offset++) {
    const day = addDays(today, offset);
    if (isPickDay(day) && hasRoom(day)) return { day, startsAtMs: localMidnightMs(day, timeZone) };
  }
  return undefined;
}

/**
 * The instant the cut-off is judged at: an order received before today's cut-off makes today's pick however
 * long Colis's own steps (reservation, allocation) took to reach the booking, as a warehouse's wave takes
 * every order received by its cut-off; an order received another day is judged now. Business time.
 */
export function cutoffJudgedAt(nowMs: number, receivedAtMs: number | undefined, timeZone: string): number {
  if (receivedAtMs === undefined || receivedAtMs > nowMs) return nowMs;
  return localDay(receivedAtMs, timeZone) === localDay(nowMs, timeZone) ? receivedAtMs : nowMs;
}

/** Saturday and Sunday are not working days. `day` is a calendar date, so UTC arithmetic is exact. */
export function isWorkingDay(day: string): boolean {
  return !isWeekend(day);
}
