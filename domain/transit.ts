/**
 * Transit-time distributions per carrier, service and lane, learned from delivered shipments and from
 * shipments still travelling past some of their working days (each will take at least that long).
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
 * arriving by a date falls with every parcel, so it loses the bookings that need that date. Its parcels
 * past their quoted day undelivered count from the day after it (censored: "at least this late"), so
 * the first late ones weigh before they arrive, and the early arrivals alone do not make it look reliable.
 */

/** Delays from MIN_DELAY to MAX_DELAY working days are told apart; anything beyond counts as MAX_DELAY. */
export const MIN_DELAY_DAYS = -1;
export const MAX_DELAY_DAYS = 4;
const DELAY_BUCKETS = MAX_DELAY_DAYS - MIN_DELAY_DAYS + 1;

export const PRIOR_WEIGHT = 20;
export const LANE_SHRINK = 10;

/**
 * A carrier on probation: fewer than this many of its parcels have a known outcome (delivered, or still
 * travelling past its quoted day) while another carrier has as many. Its published profile is then all the model
 * has of it, a claim nobody has checked: a carrier whose first parcels are due four working days after it starts
 * would otherwise take a whole peak on its word alone.
 */
export const PROBATION_PARCELS = 3;
/**
 * On probation, the late risk a carrier claims counts this many times: P(by day d) = 1 − 2 × (1 − claimed). At a
 * 95 % target an unproven service must claim 97.5 %; a proven carrier's learned figures stand as they are.
 */
export const PROBATION_RISK_FACTOR = 2;

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
 * Parcels still travelling whose lane's working days have passed `atLeastDays - 1` of them: each will take at
 * least `atLeastDays` (a right-censored observation). Without them the model learns only from the parcels
 * that already arrived, which are the fast ones while a slow carrier's late parcels are still on the road.
 */
export interface InFlightCount {
  carrierCode: string;
  serviceCode: string;
  originCountry: string;
  destinationCountry: string;
  quotedDays: number;
  atLeastDays: number;
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

/**
 * What one key (a service, or a lane) has seen: parcels delivered per delay bucket, and parcels in flight per
 * the first bucket they may still arrive in (they came through every bucket before it without arriving).
 */
interface Seen {
  delivered: number[];
  inFlight: number[];
}

const emptySeen = (): Seen => ({ delivered: new Array<number>(DELAY_BUCKETS).fill(0), inFlight: new Array<number>(DELAY_BUCKETS).fill(0) });

/**
 * A distribution over delay buckets learned from what was seen on top of `prior`, worth `weight` parcels. Read
 * as a discrete hazard (Kaplan–Meier with a prior): the share of the parcels still on the road at a bucket that
 * arrive in it, among those seen there — delivered parcels, and parcels in flight that have come through it.
 * With no parcel in flight this is exactly (weight × prior + delivered) / (weight + delivered parcels).
 */
function learned(prior: readonly number[], weight: number, seen: Seen | undefined): number[] {
  if (!seen) return [...prior];
  const pmf = new Array<number>(DELAY_BUCKETS).fill(0);
  let priorLeft = 1;
  let left = 1;
  let deliveredFrom = sum(seen.delivered);
  let inFlightPast = sum(seen.inFlight.slice(1));
  for (let b = 0; b < DELAY_BUCKETS; b++) {
    const p = prior[b] ?? 0;
    const arrived = weight * p + (seen.delivered[b] ?? 0);
    const onTheRoad = weight * priorLeft + deliveredFrom + inFlightPast;
    // The last bucket takes whatever is still travelling ("this late or later").
    const hazard = b === DELAY_BUCKETS - 1 || onTheRoad <= 0 ? 1 : Math.min(1, arrived / onTheRoad);
    pmf[b] = left * hazard;
    left -= pmf[b] ?? 0;
    priorLeft = Math.max(0, priorLeft - p);
    deliveredFrom -= seen.delivered[b] ?? 0;
    inFlightPast -= seen.inFlight[b + 1] ?? 0;
  }
  return pmf;
}

export class TransitModel {
  private readonly byService = new Map<string, Seen>();
  private readonly byLane = new Map<string, Seen>();
  /** Parcels with a known outcome per carrier: delivered, or past the quoted day in flight. */
  private readonly knownByCarrier = new Map<string, number>();

  /**
   * @param onTimeShares the carriers' published on-time share per `carrier:service` (the prior)
   * @param counts delivered parcels, aggregated by lane and delivery days
   * @param inFlight parcels still travelling, aggregated by lane and the working days they will at least take
   */
  constructor(
    private readonly onTimeShares: ReadonlyMap<string, number>,
    counts: readonly TransitCount[],
    inFlight: readonly InFlightCount[] = [],
  ) {
    for (const count of counts) {
      this.add(count, 'delivered', count.deliveryDays - count.quotedDays, count.parcels);
      this.know(count.carrierCode, count.parcels);
    }
    for (const count of inFlight) {
      // A parcel that may still arrive in the earliest bucket has taught nothing yet.
      if (count.atLeastDays - count.quotedDays <= MIN_DELAY_DAYS) continue;
      this.add(count, 'inFlight', count.atLeastDays - count.quotedDays, count.parcels);
      if (count.atLeastDays > count.quotedDays) this.know(count.carrierCode, count.parcels);
    }
  }

  private know(carrierCode: string, parcels: number): void {
    this.knownByCarrier.set(carrierCode, (this.knownByCarrier.get(carrierCode) ?? 0) + parcels);
  }

  /**
   * Whether the carrier is on probation (PROBATION_PARCELS): Colis has seen another carrier deliver, not this one.
   * While no carrier has a record, every one is judged on its claim alike — there is nothing better to go by.
   */
  onProbation(carrierCode: string): boolean {
    if ((this.knownByCarrier.get(carrierCode) ?? 0) >= PROBATION_PARCELS) return false;
    return [...this.knownByCarrier.values()].some((known) => known >= PROBATION_PARCELS);
  }

  private add(
    lane: { carrierCode: string; serviceCode: string; originCountry: string; destinationCountry: string },
    kind: keyof Seen,
    delayDays: number,
    parcels: number,
  ): void {
    for (const [map, key] of [
      [this.byService, serviceKey(lane.carrierCode, lane.serviceCode)],
      [this.byLane, laneKey(lane.carrierCode, lane.serviceCode, lane.originCountry, lane.destinationCountry)],
    ] as const) {
      const seen = map.get(key) ?? emptySeen();
      const bucket = bucketOf(delayDays);
      seen[kind][bucket] = (seen[kind][bucket] ?? 0) + parcels;
      map.set(key, seen);
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
    const lane = this.byLane.get(laneKey(carrierCode, serviceCode, originCountry, destinationCountry));
    const serviceShare = learned(prior, PRIOR_WEIGHT, this.byService.get(serviceKey(carrierCode, serviceCode)));
    const delay = learned(serviceShare, LANE_SHRINK, lane);
    const pmf = delayToDays(delay, quotedDays);
    return {
      pmf: this.onProbation(carrierCode) ? withLateRiskInflated(pmf, PROBATION_RISK_FACTOR) : pmf,
      observations: lane ? sum(lane.delivered) : 0,
      quotedDays,
    };
  }

  /** Parcels learned from (delivered), per `carrier:service`: what a report shows next to the figures. */
  observationsByService(): Record<string, number> {
    return Object.fromEntries([...this.byService].map(([key, seen]) => [key, sum(seen.delivered)]));
  }
}

/**
 * The same distribution with its late risk counted `factor` times at every day: P(within d) = 1 − factor × (1 −
 * P(within d)), never below 0, so it still rises to 1 on the last day. Used for a claim nobody has checked yet.
 */
export function withLateRiskInflated(pmf: readonly number[], factor: number): number[] {
  const inflated: number[] = [];
  let within = 0;
  let before = 0;
  pmf.forEach((p, i) => {
    within += p;
    const last = i === pmf.length - 1;
    const cdf = last ? 1 : Math.max(0, 1 - factor * (1 - within));
    inflated.push(Math.max(0, cdf - before));
    before = Math.max(before, cdf);
  });
  return inflated;
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
