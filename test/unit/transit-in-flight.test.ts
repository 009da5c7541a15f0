import { describe, expect, it } from 'vitest';
import {
  type InFlightCount,
  LANE_SHRINK,
  PRIOR_WEIGHT,
  probabilityWithin,
  publishedDelayProfile,
  type TransitCount,
  TransitModel,
} from '../../domain/transit';
import { inFlightAtLeastDays } from '../../domain/transit-observation';

const LANE = { carrierCode: 'ecoroute', serviceCode: 'er_standard', originCountry: 'FR', destinationCountry: 'FR', quotedDays: 4 };
const SHARES = new Map([['ecoroute:er_standard', 0.85]]);
const delivered = (deliveryDays: number, parcels: number): TransitCount => ({ ...LANE, deliveryDays, parcels });
const inFlight = (atLeastDays: number, parcels: number): InFlightCount => ({ ...LANE, atLeastDays, parcels });
const onTime = (model: TransitModel, slackDays = 0) =>
  probabilityWithin(model.distribution('ecoroute', 'er_standard', 'FR', 'FR', LANE.quotedDays), LANE.quotedDays + slackDays);

describe('transit learned from parcels still travelling', () => {
  it('with no parcel in flight, the published profile is shrunk by the delivered parcels exactly as before', () => {
    const counts = [delivered(4, 5), delivered(5, 3), delivered(3, 1), delivered(9, 1)];
    const model = new TransitModel(SHARES, counts);
    // The count form: (weight × prior + delivered) / (weight + parcels) per delay bucket, service then lane.
    const prior = publishedDelayProfile(0.85);
    const byDelay = [0, 0, 0, 0, 0, 0];
    for (const c of counts) {
      const bucket = Math.min(4, c.deliveryDays - c.quotedDays) + 1;
      byDelay[bucket] = (byDelay[bucket] ?? 0) + c.parcels;
    }
    const service = prior.map((p, i) => (PRIOR_WEIGHT * p + (byDelay[i] ?? 0)) / (PRIOR_WEIGHT + 10));
    const lane = service.map((p, i) => (LANE_SHRINK * p + (byDelay[i] ?? 0)) / (LANE_SHRINK + 10));
    const pmf = model.distribution('ecoroute', 'er_standard', 'FR', 'FR', 4).pmf;
    // Delay −1 is day 3, delay 4 and beyond day 8.
    expect(pmf.slice(2)).toHaveLength(6);
    pmf.slice(2).forEach((p, i) => {
      expect(p).toBeCloseTo(lane[i] ?? Number.NaN, 12);
    });
  });

  it('parcels still travelling past their quoted day lower the on-time probability before any late one arrives', () => {
    // A carrier's first parcels: 3 delivered on their quoted day, 7 still travelling a day after it.
    const arrivedOnly = new TransitModel(SHARES, [delivered(4, 3)]);
    const withInFlight = new TransitModel(SHARES, [delivered(4, 3)], [inFlight(5, 7)]);
    // Learning from the arrived parcels alone is optimistic: the late ones are not in yet.
    expect(onTime(arrivedOnly)).toBeGreaterThan(0.85);
    expect(onTime(withInFlight)).toBeLessThan(0.7);
    // With a day of slack: 0.97 from the arrived parcels (a 95 % target books it), 0.92 with the travelling ones.
    expect(onTime(arrivedOnly, 1)).toBeGreaterThan(0.95);
    expect(onTime(withInFlight, 1)).toBeLessThan(0.95);
  });

  it('parcels travelling within their quoted days teach nothing about lateness', () => {
    const prior = new TransitModel(SHARES, []);
    const young = new TransitModel(SHARES, [], [inFlight(4, 30), inFlight(2, 30)]);
    for (const slack of [0, 1, 2]) expect(onTime(young, slack)).toBeCloseTo(onTime(prior, slack), 12);
  });
});

describe('the working days a parcel in flight will at least take', () => {
  const FR = { countryCode: 'FR' };
  const paris = (iso: string) => Date.parse(iso);

  it('counts a working day at the destination only once it is over', () => {
    // Handed over Monday 7 December 2026, quoted 4 working days: due Friday.
    expect(inFlightAtLeastDays('2026-12-07', FR, paris('2026-12-11T19:30:00+01:00'))).toBe(4);
    expect(inFlightAtLeastDays('2026-12-07', FR, paris('2026-12-12T00:30:00+01:00'))).toBe(5);
    // The weekend adds nothing.
    expect(inFlightAtLeastDays('2026-12-07', FR, paris('2026-12-14T10:00:00+01:00'))).toBe(5);
  });

  it('skips the destination’s public holidays', () => {
    // Handed over Wednesday 23 December: Thursday 24 counts, Friday 25 (Christmas) does not.
    expect(inFlightAtLeastDays('2026-12-23', FR, paris('2026-12-26T09:00:00+01:00'))).toBe(2);
  });

  it('a parcel handed over today or yesterday has taken no full day yet', () => {
    expect(inFlightAtLeastDays('2026-12-08', FR, paris('2026-12-08T16:00:00+01:00'))).toBe(1);
    expect(inFlightAtLeastDays('2026-12-08', FR, paris('2026-12-09T16:00:00+01:00'))).toBe(1);
  });
});
