import { DELIVERY_WINDOW_END_MINUTE } from './fulfilment-plan';
import { localDay, localMinuteOfDay } from './local-time';

/**
 * A carrier's delivery round, learned from the parcels it delivered: how late in the day it still puts a parcel
 * out for delivery on the day it delivers it. A parcel due today that is not out for delivery by then will not
 * come today, and its customer can be told so at midday rather than once the delivery window has closed: of the
 * late orders of a peak week, most were still in transit at 18:00 on their promise day, with nothing in their
 * earlier scans that told them from the parcels that came in time (RESULTS, stop 49).
 *
 * Learned only from a carrier whose deliveries are scanned out for delivery the same day nearly always: one that
 * often delivers without that scan says nothing by its absence. The round's end is the latest such scan seen, a
 * margin later (wider while the parcels are few); a round that ends within MIN_LEAD_HOURS of the window's close is not
 * worth a check.
 */

/** Delivered parcels a carrier needs before its round is trusted with the plain margin. */
export const MIN_ROUND_PARCELS = 20;
/**
 * Delivered parcels a carrier needs before its round is used at all, with a margin as many times wider as the parcels
 * are fewer: the next parcel goes out later than the latest of n seen with probability 1/(n + 1) whatever the carrier,
 * and by a little more the fewer were seen. A peak week books most of its parcels before twenty have arrived.
 */
export const FIRST_ROUND_PARCELS = 8;
/** Share of those parcels that must have been out for delivery on their delivery day, before the delivery. */
export const MIN_SCANNED_SHARE = 0.98;
/** Business hours after the latest out-for-delivery scan seen before a parcel's absence from the round counts. */
export const ROUND_MARGIN_HOURS = 1;
/** A round ending closer than this to the window's close gives the customer no useful notice. */
export const MIN_LEAD_HOURS = 1;

export interface DeliveredParcel {
  /** The destination's time zone: the round is a time of the local day. */
  timeZone: string;
  /** Business ms of the delivery scan. */
  deliveredMs: number;
  /** Business ms of the last out-for-delivery scan before the delivery, if any. */
  outForDeliveryMs?: number;
}

export interface DeliveryRound {
  /** Business hours before the delivery window closes (DELIVERY_WINDOW_END_MINUTE, local) by which a parcel delivered that day is out for delivery. */
  outByHoursBeforeClose: number;
  /** Parcels learned from. */
  parcels: number;
}

/** The round from a carrier's delivered parcels; undefined while they are too few or too often unscanned. */
export function learnDeliveryRound(parcels: readonly DeliveredParcel[]): DeliveryRound | undefined {
  if (parcels.length < FIRST_ROUND_PARCELS) return undefined;
  let scanned = 0;
  let latestMinute = Number.NEGATIVE_INFINITY;
  for (const parcel of parcels) {
    const out = parcel.outForDeliveryMs;
    if (out === undefined || out > parcel.deliveredMs) continue;
    if (localDay(out, parcel.timeZone) !== localDay(parcel.deliveredMs, parcel.timeZone)) continue;
    scanned++;
    latestMinute = Math.max(latestMinute, localMinuteOfDay(out, parcel.timeZone));
  }
  if (scanned < MIN_SCANNED_SHARE * parcels.length) return undefined;
  const margin = ROUND_MARGIN_HOURS * Math.max(1, MIN_ROUND_PARCELS / parcels.length);
  const leadHours = (DELIVERY_WINDOW_END_MINUTE - latestMinute) / 60 - margin;
  if (leadHours < MIN_LEAD_HOURS) return undefined;
  // Whole quarters of an hour, rounded towards the close: the check never comes earlier than the data allow.
  return { outByHoursBeforeClose: Math.floor(leadHours * 4) / 4, parcels: parcels.length };
}
