import { addWorkingDays } from '../../domain/calendar';
import type { RateQuote } from '../../domain/carrier';
import type { DecisionSettings } from '../../domain/decision-rules';
import { endOfDeliveryDayMs } from '../../domain/fulfilment-plan';
import { localDay } from '../../domain/local-time';

/**
 * What the carrier-decision tests on PostgreSQL share: a parcel from Paris to a Lyon door, promises counted in
 * French working days from today, and rate quotes as a carrier answers them.
 */

export const PROMISE_RULES: DecisionSettings = { rules: 'promise', promiseConfidence: 0.95, onTimeTarget: 0.95 };
export const FRANCE = { countryCode: 'FR' };
export const todayInParis = () => localDay(Date.now(), 'Europe/Paris');

/** The end of the n-th working day after today in France: a promise with `n` days of transit in it. */
export function promiseIn(workingDays: number): string {
  const day = addWorkingDays(FRANCE, todayInParis(), workingDays);
  return new Date(endOfDeliveryDayMs({ countryCode: 'FR', postalCode: '69002' }, day)).toISOString();
}

/** A carrier's quote; its estimate is the end of its quoted working day unless given. */
export function rateQuote(
  carrierCode: string,
  serviceCode: string,
  amountCents: number,
  deliveryDays: number,
  estimatedDeliveryAt: string = promiseIn(deliveryDays),
): RateQuote {
  return {
    carrierCode,
    serviceCode,
    serviceLevel: serviceCode.endsWith('economy') ? 'economy' : serviceCode.endsWith('express') ? 'express' : 'standard',
    amountCents,
    currency: 'EUR',
    deliveryDays,
    estimatedDeliveryAt,
    guaranteed: false,
  };
}
