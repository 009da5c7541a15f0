/**
 * Transit-time distributions per carrier, service and lane, learned from delivered shipments.
 *
 * A parcel's transit is counted in the destination's working days after the hand-over day: 1 means
 * delivered on the first working day after the carrier collected it. What is learned is the *delay
 * against the carrier's quote* (observed days − quoted days), because it carries over between lanes of
 * one service (a cross-border lane quotes a day more) while a lane on its own may have few parcels.
 *
 * Three layers, each shrunk towards the one above by pseudo-counts:
 *   1. the carrier's published profile (its stated on-time share), worth PRIOR_WEIGHT parcels;
 *   2. the service's parcels on every lane;
 *   3. the lane's own parcels, weighed against LANE_SHRINK parcels of layer 2.
 * A carrier that quotes faster than it delivers piles up positive delays and its probability of
 * arriving by a date falls with every parcel, so it loses the bookings that need that date.
 */

/** Delays from MIN_DELAY to MAX_DELAY working days are told apart; anything beyond counts as MAX_DELAY. */
export const MIN_DELAY_DAYS = -1;
export const MAX_DELAY_DAYS = 4;
const DELAY_BUCKETS = MAX_DELAY_DAYS - MIN_DELAY_DAYS + 1;

export const PRIOR_WEIGHT = 20;
export const LANE_SHRINK = 10;

export interface TransitDistribution {
  /** pmf[i] = P(delivered on working day i + 1 after the hand-over day). Sums to 1. */
  pmf: readonly number[];
  /** Parcels this lane's estimate rests on (prior pseudo-counts excluded). */
  observations: number;
  /** What the carrier quotes for the lane, in working days. */
  quotedDays: number;
}

/** P(delivered within `days` working days after the hand-over day). */
export function probabilityWithin(distribution: TransitDistribution, days: number): number {
  let p = 0;
  for (let i = 0; i < Math.min(days, distribution.pmf.length); i++) p += distribution.pmf[i] ?? 0;
  return Math.min(1, p);
}

/** The fewest working days within which the parcel arrives with probability ≥ `confidence`. */
export function daysForConfidence(distribution: TransitDistribution, confidence: number): number {
  let p = 0;
  for (let i = 0; i < distribution.pmf.length; i++) {
    p += distribution.pmf[i] ?? 0;
    if (p >= confidence - 1e-12) return i + 1;
  }
  return distribution.pmf.length;
}

/** One delivered parcel: what it was quoted and how many working days it took. */
export interface TransitObservationFacts {
  carrierCode: string;
  serviceCode: string;
  originCountry: string;
  destinationCountry: string;
  quotedDays: number;
  deliveryDays: number;
}

/** Counts per delay bucket, as the store aggregates them. */
export interface TransitCount extends TransitObservationFacts {
  parcels: number;
}

/**
 * What a carrier publishes about a service: the share delivered within the quote. The rest of the mass
 * is spread over the next two days (3:1), as carriers' own late-delivery statistics read.
 */
export function publishedDelayProfile(onTimeShare: number): number[] {
  const share = Math.min(1, Math.max(0, onTimeShare));
  const profile = new Array<number>(DELAY_BUCKETS).fill(0);
  profile[0 - MIN_DELAY_DAYS] = share;
  profile[1 - MIN_DELAY_DAYS] = (1 - share) * 0.75;
  profile[2 - MIN_DELAY_DAYS] = (1 - share) * 0.25;
  return profile;
}

export const laneKey = (carrierCode: string, serviceCode: string, originCountry: string, destinationCountry: string) =>
  `${carrierCode}:${serviceCode}:${originCountry}>${destinationCountry}`;
const serviceKey = (carrierCode: string, serviceCode: string) => `${carrierCode}:${serviceCode}`;

const bucketOf = (delayDays: number) => Math.min(MAX_DELAY_DAYS, Math.max(MIN_DELAY_DAYS, delayDays)) - MIN_DELAY_DAYS;

export class TransitModel {
  private readonly byService = new Map<string, number[]>();
  private readonly byLane = new Map<string, number[]>();

  /**
   * @param onTimeShares the carriers' published on-time share per `carrier:service` (the prior)
   * @param counts delivered parcels, aggregated by lane and delivery days
   */
  constructor(
    private readonly onTimeShares: ReadonlyMap<string, number>,
    counts: readonly TransitCount[],
  ) {
    for (const count of counts) {
      const bucket = bucketOf(count.deliveryDays - count.quotedDays);
      for (const [map, key] of [
        [this.byService, serviceKey(count.carrierCode, count.serviceCode)],
        [this.byLane, laneKey(count.carrierCode, count.serviceCode, count.originCountry, count.destinationCountry)],
      ] as const) {
        const buckets = map.get(key) ?? new Array<number>(DELAY_BUCKETS).fill(0);
        buckets[bucket] = (buckets[bucket] ?? 0) + count.parcels;
        map.set(key, buckets);
      }
    }
  }

  /** The learned distribution of a lane; without any parcel, the carrier's published profile. */
  distribution(
    carrierCode: string,
    serviceCode: string,
    originCountry: string,
    destinationCountry: string,
    quotedDays: number,
  ): TransitDistribution {
    const prior = publishedDelayProfile(this.onTimeShares.get(serviceKey(carrierCode, serviceCode)) ?? 0.9);
    const service = this.byService.get(serviceKey(carrierCode, serviceCode)) ?? [];
    const lane = this.byLane.get(laneKey(carrierCode, serviceCode, originCountry, destinationCountry)) ?? [];
    const serviceN = sum(service);
    const laneN = sum(lane);
    const serviceShare = prior.map((p, i) => (PRIOR_WEIGHT * p + (service[i] ?? 0)) / (PRIOR_WEIGHT + serviceN));
    const delay = serviceShare.map((p, i) => (LANE_SHRINK * p + (lane[i] ?? 0)) / (LANE_SHRINK + laneN));
    return { pmf: delayToDays(delay, quotedDays), observations: laneN, quotedDays };
  }

  /** Parcels learned from, per `carrier:service`: what a report shows next to the figures. */
  observationsByService(): Record<string, number> {
    return Object.fromEntries([...this.byService].map(([key, buckets]) => [key, sum(buckets)]));
  }
}

function delayToDays(delay: readonly number[], quotedDays: number): number[] {
  const maxDays = Math.max(1, quotedDays + MAX_DELAY_DAYS);
  const pmf = new Array<number>(maxDays).fill(0);
  delay.forEach((p, bucket) => {
    // Nothing arrives before the first working day after hand-over: an early bucket folds into day 1.
    const days = Math.max(1, quotedDays + bucket + MIN_DELAY_DAYS);
    pmf[days - 1] = (pmf[days - 1] ?? 0) + p;
  });
  return pmf;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
