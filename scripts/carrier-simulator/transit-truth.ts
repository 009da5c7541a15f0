import { type BusinessClock, toBusinessMs, toRealMs } from '../../domain/business-clock';
import { addWorkingDays, timeZoneOf } from '../../domain/calendar';
import { localDay, localTimeMs } from '../../domain/local-time';
import { seededRandom } from './prng';

/**
 * How long parcels really take, as opposed to what carriers quote: the simulator's ground truth in its
 * calendar mode. A parcel is delivered on the (quoted + delay)-th working day at the destination after the
 * day the carrier took it, between 09:00 and 18:00 local; the delay is drawn from the carrier's true delay
 * distribution with a random stream keyed by shipment, carrier and service alone. So what any other
 * carrier or service would have done with the same shipment is known afterwards — the hindsight the
 * peak-week simulation measures decisions against — and is the same whichever choice was made.
 */

export interface TransitTruth {
  clock: BusinessClock;
  /** Per carrier: P(delay = 0, 1, 2, … working days) against its quote. Carriers not named keep their quotes. */
  delays: Readonly<Record<string, readonly number[]>>;
}

export interface TransitCase {
  shipmentId: string;
  carrierCode: string;
  serviceCode: string;
  originCountry: string;
  destinationCountry: string;
  /** Working days the carrier quotes for the lane. */
  quotedDays: number;
  /** Real instant the carrier takes the parcel. */
  handoverAtMs: number;
}

const DELIVERY_WINDOW_START_MINUTE = 9 * 60;
const DELIVERY_WINDOW_MINUTES = 9 * 60;

/** The delay drawn for this shipment, carrier and service: the same every time it is asked. */
export function realizedDelayDays(truth: TransitTruth, transit: Pick<TransitCase, 'shipmentId' | 'carrierCode' | 'serviceCode'>): number {
  const delays = truth.delays[transit.carrierCode];
  if (!delays || delays.length === 0) return 0;
  const total = delays.reduce((sum, p) => sum + p, 0);
  const u = seededRandom(`${transit.shipmentId}:${transit.carrierCode}:${transit.serviceCode}`)() * total;
  let cumulative = 0;
  for (let delay = 0; delay < delays.length; delay++) {
    cumulative += delays[delay] ?? 0;
    if (u < cumulative) return delay;
  }
  return delays.length - 1;
}

/** The real instant this parcel is delivered. */
export function realizedDeliveryAtMs(truth: TransitTruth, transit: TransitCase): number {
  const handoverDay = localDay(toBusinessMs(truth.clock, transit.handoverAtMs), timeZoneOf({ countryCode: transit.originCountry }));
  const days = Math.max(1, transit.quotedDays + realizedDelayDays(truth, transit));
  const deliveredDay = addWorkingDays({ countryCode: transit.destinationCountry }, handoverDay, days);
  const minute =
    DELIVERY_WINDOW_START_MINUTE +
    Math.floor(seededRandom(`${transit.shipmentId}:${transit.carrierCode}:${transit.serviceCode}:time`)() * DELIVERY_WINDOW_MINUTES);
  return toRealMs(truth.clock, localTimeMs(deliveredDay, minute, timeZoneOf({ countryCode: transit.destinationCountry })));
}

/** What the carrier itself says: the end of the quoted working day, whatever it really delivers. */
export function quotedDeliveryAtMs(truth: TransitTruth, transit: Omit<TransitCase, 'shipmentId' | 'carrierCode' | 'serviceCode'>): number {
  const handoverDay = localDay(toBusinessMs(truth.clock, transit.handoverAtMs), timeZoneOf({ countryCode: transit.originCountry }));
  const deliveredDay = addWorkingDays({ countryCode: transit.destinationCountry }, handoverDay, Math.max(1, transit.quotedDays));
  return toRealMs(
    truth.clock,
    localTimeMs(
      deliveredDay,
      DELIVERY_WINDOW_START_MINUTE + DELIVERY_WINDOW_MINUTES,
      timeZoneOf({ countryCode: transit.destinationCountry }),
    ),
  );
}
