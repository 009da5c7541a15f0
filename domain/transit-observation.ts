import { type BusinessClock, toBusinessMs } from './business-clock';
import { type CalendarPlace, timeZoneOf, workingDaysBetween } from './calendar';
import { addDays, localDay } from './local-time';
import type { TransitObservationFacts } from './transit';

/**
 * What one delivered parcel teaches the transit model: the working days at the destination between the
 * day the carrier took the parcel (in the warehouse's time zone) and the day it was delivered, against
 * what the carrier quoted for the lane. Read on the business calendar, as the promise engine reads it.
 */
export interface DeliveredParcel {
  carrierCode: string;
  serviceCode: string;
  origin: CalendarPlace & { timeZone: string };
  destination: CalendarPlace;
  /** The service's quoted working days within a country; a cross-border lane quotes one more. */
  quotedDomesticDays: number;
  /** Real instants of the carrier's first hand-over scan and of the delivery scan. */
  handedOverAtMs: number;
  deliveredAtMs: number;
}

export function transitObservation(
  parcel: DeliveredParcel,
  clock: BusinessClock,
): TransitObservationFacts & { handoverDay: string; deliveredDay: string } {
  const handoverDay = localDay(toBusinessMs(clock, parcel.handedOverAtMs), parcel.origin.timeZone);
  const deliveredDay = localDay(toBusinessMs(clock, parcel.deliveredAtMs), timeZoneOf(parcel.destination));
  const crossBorder = parcel.origin.countryCode !== parcel.destination.countryCode;
  return {
    carrierCode: parcel.carrierCode,
    serviceCode: parcel.serviceCode,
    originCountry: parcel.origin.countryCode,
    destinationCountry: parcel.destination.countryCode,
    quotedDays: parcel.quotedDomesticDays + (crossBorder ? 1 : 0),
    deliveryDays: workingDaysBetween(parcel.destination, handoverDay, deliveredDay),
    handoverDay,
    deliveredDay,
  };
}

/**
 * The working days a parcel still travelling will at least take, counted as `transitObservation` counts a
 * delivered one: every working day at the destination after its hand-over day that is over (past midnight
 * there) without a delivery, plus one. A day counts only once it is over, so a delivery made late in the day,
 * or reported hours later by a carrier that is polled, is never taken for a day without one.
 */
export function inFlightAtLeastDays(handoverDay: string, destination: CalendarPlace, businessNowMs: number): number {
  const yesterday = addDays(localDay(businessNowMs, timeZoneOf(destination)), -1);
  return workingDaysBetween(destination, handoverDay, yesterday) + 1;
}
