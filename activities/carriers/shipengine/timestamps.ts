import { isStorableInstant } from '../../../domain/clock';

/**
 * ShipEngine's dates and times, read the same way wherever they appear. Its definition
 * (shipengine-openapi) has two kinds:
 *
 * - `date_time` (track events' `occurred_at`, `actual_delivery_date`, a label's `created_at`): ISO 8601
 *   with a zone, `2018-09-23T15:00:00.000Z` or `…+02:00`. Its docs call `occurred_at` "the UTC based
 *   time", yet show `carrier_occurred_at` without a zone ("the local time of where the event occurred",
 *   `2019-09-13T05:32:00`); Colis reads only the UTC `occurred_at`, and a zoneless value in a UTC field
 *   is taken as UTC, never as this server's local time (which is what `Date.parse` would do).
 * - `date` (a rate's `estimated_delivery_date`, a label's `ship_date`): a calendar date, `2018-09-23`,
 *   or a date-time whose time "will be set to 00:00:00 UTC by ShipEngine" — though its rate examples
 *   carry a real time (`2019-09-23T23:00:00Z`, "Monday 9/23 by 11:00 PM"), which is then kept. A
 *   date alone is that day at 00:00 UTC, as ShipEngine itself defines it.
 *
 * Anything else (`09/23/2019`, a month 13, a 30 February) is no time at all: undefined, and the caller
 * drops the scan or the estimate rather than guessing.
 */

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/** Epoch milliseconds of a ShipEngine date or date-time; a missing zone is UTC. */
export function shipEngineInstantMs(value: string | null | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = ISO_8601.exec(value.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', , sign, offsetHours, offsetMinutes] = match;
  const parts = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const [y, mo, d, h, mi, s] = parts;
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return undefined;
  // Not Date.UTC: it reads a year below 100 as 1900 and after (0050 would be 1950).
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d);
  at.setUTCHours(h, mi, s, Math.floor(Number(`0.${fraction || '0'}`) * 1000));
  const utcMs = at.getTime();
  // 30 February rolls over into March: a date that does not exist is refused instead.
  if (at.getUTCDate() !== d) return undefined;
  const offsetH = Number(offsetHours ?? 0);
  const offsetM = Number(offsetMinutes ?? 0);
  if (offsetH > 23 || offsetM > 59) return undefined;
  const offsetMs = (offsetH * 60 + offsetM) * 60_000;
  const instant = sign === '-' ? utcMs + offsetMs : utcMs - (sign ? offsetMs : 0);
  // An instant PostgreSQL cannot store (year 0) is no time either: stored as a scan, it would be a 500.
  return isStorableInstant(instant) ? instant : undefined;
}

/** The same instant as Colis writes times everywhere (ISO 8601 in UTC), or undefined. */
export function shipEngineInstant(value: string | null | undefined): string | undefined {
  const ms = shipEngineInstantMs(value);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
