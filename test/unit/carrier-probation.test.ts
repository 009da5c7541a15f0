import { describe, expect, it } from 'vitest';
import {
  type InFlightCount,
  PROBATION_PARCELS,
  probabilityWithin,
  type TransitCount,
  TransitModel,
  withLateRiskInflated,
} from '../../domain/transit';

/**
 * A carrier on probation: until Colis knows how some of its parcels went, its published claim counts its late
 * risk twice — once another carrier has shown what it really does. EcoRoute Standard claims 85 % on its quote
 * (96.25 % with a day of slack), ParcelNord Economy 93 % (98.25 %), SwiftPost 97 %.
 */
const SHARES = new Map([
  ['ecoroute:er_standard', 0.85],
  ['parcelnord:pn_economy', 0.93],
  ['swiftpost:sp_standard', 0.97],
]);
const lane = (carrierCode: string, serviceCode: string, quotedDays: number) => ({
  carrierCode,
  serviceCode,
  originCountry: 'FR',
  destinationCountry: 'FR',
  quotedDays,
});
const delivered = (carrierCode: string, serviceCode: string, quotedDays: number, deliveryDays: number, parcels: number): TransitCount => ({
  ...lane(carrierCode, serviceCode, quotedDays),
  deliveryDays,
  parcels,
});
const travelling = (carrierCode: string, serviceCode: string, quotedDays: number, atLeastDays: number, parcels: number): InFlightCount => ({
  ...lane(carrierCode, serviceCode, quotedDays),
  atLeastDays,
  parcels,
});
/** P(by the quote + a day), the economy promise's slack. */
const withADayOfSlack = (model: TransitModel, carrierCode: string, serviceCode: string, quotedDays: number) =>
  probabilityWithin(model.distribution(carrierCode, serviceCode, 'FR', 'FR', quotedDays), quotedDays + 1);

const swiftPostRecord = delivered('swiftpost', 'sp_standard', 2, 2, PROBATION_PARCELS);

describe('a carrier on probation', () => {
  it('while no carrier has a record, every claim is taken as published', () => {
    const model = new TransitModel(SHARES, []);
    expect(model.onProbation('ecoroute')).toBe(false);
    expect(withADayOfSlack(model, 'ecoroute', 'er_standard', 4)).toBeCloseTo(0.9625, 10);
  });

  it('once another carrier has delivered, an unproven claim counts its late risk twice', () => {
    const model = new TransitModel(SHARES, [swiftPostRecord]);
    expect(model.onProbation('swiftpost')).toBe(false);
    expect(model.onProbation('ecoroute')).toBe(true);
    // 1 − 2 × 3.75 %: below a 95 % target. ParcelNord's 1 − 2 × 1.75 % still reaches it.
    expect(withADayOfSlack(model, 'ecoroute', 'er_standard', 4)).toBeCloseTo(0.925, 10);
    expect(withADayOfSlack(model, 'parcelnord', 'pn_economy', 4)).toBeCloseTo(0.965, 10);
    // The proven carrier's own figures stand.
    expect(withADayOfSlack(model, 'swiftpost', 'sp_standard', 2)).toBeGreaterThan(0.99);
  });

  it('ends with parcels of known outcome: delivered, or still travelling past their quoted day', () => {
    const onTime = new TransitModel(SHARES, [swiftPostRecord, delivered('ecoroute', 'er_standard', 4, 4, PROBATION_PARCELS)]);
    expect(onTime.onProbation('ecoroute')).toBe(false);
    expect(withADayOfSlack(onTime, 'ecoroute', 'er_standard', 4)).toBeGreaterThan(0.95);

    const late = new TransitModel(SHARES, [swiftPostRecord], [travelling('ecoroute', 'er_standard', 4, 5, PROBATION_PARCELS)]);
    expect(late.onProbation('ecoroute')).toBe(false);

    // Travelling within their quote: nothing is known of them yet.
    const young = new TransitModel(SHARES, [swiftPostRecord], [travelling('ecoroute', 'er_standard', 4, 4, 50)]);
    expect(young.onProbation('ecoroute')).toBe(true);
  });

  it('counts a carrier’s parcels of every service and lane', () => {
    const model = new TransitModel(SHARES, [
      swiftPostRecord,
      delivered('ecoroute', 'er_economy', 6, 6, 1),
      { ...delivered('ecoroute', 'er_standard', 5, 5, PROBATION_PARCELS - 1), destinationCountry: 'DE' },
    ]);
    expect(model.onProbation('ecoroute')).toBe(false);
  });
});

describe('a distribution with its late risk inflated', () => {
  it('multiplies the risk of missing every day, floors it at 0 and still ends at 1', () => {
    const pmf = [0, 0, 0, 0.85, 0.1125, 0.0375];
    const inflated = withLateRiskInflated(pmf, 2);
    const within = (days: number) => probabilityWithin({ pmf: inflated, observations: 0, quotedDays: 4 }, days);
    expect(within(3)).toBe(0);
    expect(within(4)).toBeCloseTo(0.7, 12);
    expect(within(5)).toBeCloseTo(0.925, 12);
    expect(within(6)).toBeCloseTo(1, 12);
    for (const p of inflated) expect(p).toBeGreaterThanOrEqual(0);
  });

  it('is the distribution itself at factor 1', () => {
    const pmf = [0.1, 0.6, 0.2, 0.1];
    withLateRiskInflated(pmf, 1).forEach((p, i) => {
      expect(p).toBeCloseTo(pmf[i] ?? Number.NaN, 12);
    });
  });
});
