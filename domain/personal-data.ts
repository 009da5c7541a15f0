import { subdivisionOfPlace } from './calendar';
import type { Address } from './order';

/**
 * What of an order is personal data, and what is left of it once erased (README "Personal data: what is kept, for how
 * long, and erasure"). Pure: the retention sweep and the erasure on request (api/services/personal-data) apply it to
 * every row that holds a copy.
 */

/** Stands in for an erased text a column or a schema requires (a name, a street): valid wherever the original was. */
export const ERASED_TEXT = '[erased]';

/** Characters of a postal code kept: a US ZIP-3, a French département and a bit, a UK postcode area. */
export const POSTAL_CODE_PREFIX_CHARS = 3;

/** What an erased address keeps: the country, the region as a subdivision code, the first characters of the postal code. */
export interface CoarseDestination {
  countryCode: string;
  region: string | null;
  postalCode: string;
}

/**
 * The destination coarsened so every calendar read stays as it was: the region becomes the subdivision code the region or
 * the postal code told (`subdivisionOfPlace`), so the time zone and holidays of the reports, delivery rounds and transit
 * lanes do not change when the postal code is cut to its prefix (a prefix alone names no subdivision it did not).
 */
export function coarseDestination(place: { countryCode: string; region?: string | null; postalCode: string }): CoarseDestination {
  const subdivision = subdivisionOfPlace(place);
  const postalCode = place.postalCode.replace(/\s/g, '').slice(0, POSTAL_CODE_PREFIX_CHARS);
  return { countryCode: place.countryCode, region: subdivision ?? null, postalCode: postalCode || ERASED_TEXT };
}

/** An address (an order's intake copy, a carrier's correction) with only its coarse destination left; still a valid Address. */
export function erasedAddress(address: Address): Address {
  const coarse = coarseDestination(address);
  return {
    name: ERASED_TEXT,
    line1: ERASED_TEXT,
    city: ERASED_TEXT,
    postalCode: coarse.postalCode,
    countryCode: coarse.countryCode,
    ...(coarse.region ? { region: coarse.region } : {}),
  };
}

/**
 * Keys of a webhook's or mail's data that carry free text from people (a carrier's scan words and place, ops' cancel
 * reason) or a link to a label with the address printed on it. What is left is ids, statuses, codes, dates and amounts.
 */
export const PERSONAL_DATA_KEYS = ['detail', 'location', 'labelUrl', 'comment', 'note'] as const;

/** The webhook event types whose `reason` is someone's own words (ops' or the shop's cancel reason), not a code. */
export const FREE_TEXT_REASON_EVENTS: readonly string[] = ['order.cancelled'];

/** A webhook event's data without its personal texts: what an erased order's events still send. */
export function webhookDataWithoutPersonalData(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const dropped = new Set<string>([...PERSONAL_DATA_KEYS, ...(FREE_TEXT_REASON_EVENTS.includes(type) ? ['reason'] : [])]);
  return Object.fromEntries(Object.entries(data).filter(([key]) => !dropped.has(key)));
}
