import { describe, expect, it } from 'vitest';
import type { RateQuote } from '../../domain/carrier';
import { chooseByLateRisk, chooseCarrierService } from '../../domain/carrier-choice';

const SHIP_DAY = Date.parse('2025-03-03T16:00:00Z');
const DAY = 86_400_000;

function quote(carrierCode: string, serviceCode: string, amountCents: number, deliveryDays: number): RateQuote {
  return {
    carrierCode,
    serviceCode,
    serviceLevel: deliveryDays <= 1 ? 'express' : deliveryDays <= 3 ? 'standard' : 'economy',
    amountCents,
    currency: 'EUR',
    deliveryDays,
    estimatedDeliveryAt: new Date(SHIP_DAY + deliveryDays * DAY).toISOString(),
    guaranteed: deliveryDays <= 1,
  };
}
const promiseIn = (days: number) => new Date(SHIP_DAY + days * DAY).toISOString();
const reliability = { swiftpost: 0.97, parcelnord: 0.92, ecoroute: 0.85 };

describe('chooseCarrierService', () => {
  it('picks the cheapest quote that arrives by the promised date', () => {
    const quotes = [quote('swiftpost', 'express', 1450, 1), quote('parcelnord', 'standard', 690, 3), quote('ecoroute', 'eco', 420, 6)];

    const choice = chooseCarrierService(quotes, promiseIn(3), reliability);

    expect(choice).toMatchObject({ kind: 'Chosen', promiseMiss: false, fastestAmountCents: 1450, savingCents: 760 });
    if (choice.kind === 'Chosen') expect(choice.quote.carrierCode).toBe('parcelnord');
  });

  it('breaks a price tie in favour of the more reliable carrier, then the shorter transit', () => {
    const tiedOnPrice = [quote('ecoroute', 'std', 690, 2), quote('parcelnord', 'std', 690, 3), quote('swiftpost', 'std', 690, 3)];
    const byReliability = chooseCarrierService(tiedOnPrice, promiseIn(3), reliability);
    expect(byReliability.kind === 'Chosen' && byReliability.quote.carrierCode).toBe('swiftpost');

    const sameCarrierTwoSpeeds = [quote('parcelnord', 'slow', 690, 3), quote('parcelnord', 'quick', 690, 2)];
    const bySpeed = chooseCarrierService(sameCarrierTwoSpeeds, promiseIn(3), reliability);
    expect(bySpeed.kind === 'Chosen' && bySpeed.quote.serviceCode).toBe('quick');
  });

  it('when no quote keeps the promise, books the fastest and marks the promise missed', () => {
    const quotes = [quote('ecoroute', 'eco', 420, 6), quote('parcelnord', 'standard', 690, 3), quote('swiftpost', 'standard', 640, 3)];

    const choice = chooseCarrierService(quotes, promiseIn(1), reliability);

    expect(choice).toMatchObject({ kind: 'Chosen', promiseMiss: true, savingCents: 0 });
    // Two quotes tie on speed: the cheaper one is the fastest.
    if (choice.kind === 'Chosen') expect(choice.quote.carrierCode).toBe('swiftpost');
  });

  it('without any quote answers NoServiceAvailable instead of throwing', () => {
    expect(chooseCarrierService([], promiseIn(3), reliability)).toEqual({ kind: 'NoServiceAvailable' });
  });

  it('saves money against always booking the fastest over a realistic batch of shipments', () => {
    const batch: { quotes: RateQuote[]; promisedBy: string }[] = [
      // standard promise, all three carriers quote
      {
        quotes: [quote('swiftpost', 'express', 1450, 1), quote('parcelnord', 'standard', 690, 3), quote('ecoroute', 'eco', 420, 5)],
        promisedBy: promiseIn(3),
      },
      // economy promise: the slow, cheap service suffices
      {
        quotes: [quote('swiftpost', 'express', 1520, 1), quote('parcelnord', 'standard', 720, 3), quote('ecoroute', 'eco', 450, 5)],
        promisedBy: promiseIn(6),
      },
      // express promise: only the express service keeps it
      {
        quotes: [quote('swiftpost', 'express', 1380, 1), quote('parcelnord', 'standard', 650, 2), quote('ecoroute', 'eco', 400, 5)],
        promisedBy: promiseIn(1),
      },
      // a heavy parcel where the fastest is also dear
      {
        quotes: [quote('swiftpost', 'express', 2890, 1), quote('parcelnord', 'express', 2400, 1), quote('parcelnord', 'standard', 1250, 3)],
        promisedBy: promiseIn(3),
      },
    ];

    let paid = 0;
    let fastestWouldCost = 0;
    let saved = 0;
    for (const { quotes, promisedBy } of batch) {
      const choice = chooseCarrierService(quotes, promisedBy, reliability);
      if (choice.kind !== 'Chosen') throw new Error('every shipment in the batch has quotes');
      expect(choice.promiseMiss).toBe(false);
      paid += choice.quote.amountCents;
      fastestWouldCost += choice.fastestAmountCents;
      saved += choice.savingCents;
    }

    expect(paid).toBe(690 + 450 + 1380 + 1250);
    expect(fastestWouldCost).toBe(1450 + 1520 + 1380 + 2400);
    expect(saved).toBe(fastestWouldCost - paid);
    expect(saved).toBe(2980);
  });

  it('gives the same answer whatever order the quotes arrive in', () => {
    const quotes = [quote('ecoroute', 'std', 690, 3), quote('swiftpost', 'std', 690, 3), quote('parcelnord', 'std', 690, 3)];
    const forward = chooseCarrierService(quotes, promiseIn(3), {});
    const backward = chooseCarrierService([...quotes].reverse(), promiseIn(3), {});
    expect(backward).toEqual(forward);
  });
});

describe('chooseByLateRisk', () => {
  const quote = (carrierCode: string, serviceCode: string, amountCents: number, deliveryDays: number): RateQuote => ({
    carrierCode,
    serviceCode,
    serviceLevel: 'standard',
    amountCents,
    currency: 'EUR',
    deliveryDays,
    // Every carrier claims it arrives in time: the choice must not believe it.
    estimatedDeliveryAt: '2026-03-05T12:00:00.000Z',
    guaranteed: false,
  });
  const quotes = [
    quote('ecoroute', 'er_standard', 550, 2),
    quote('parcelnord', 'pn_standard', 790, 2),
    quote('swiftpost', 'sp_standard', 990, 2),
  ];

  it('books the cheapest service whose learned odds of arriving by the promise reach the target', () => {
    const odds: Record<string, number> = { ecoroute: 0.6, parcelnord: 0.96, swiftpost: 0.99 };
    const choice = chooseByLateRisk(quotes, (q) => odds[q.carrierCode] ?? 0, 0.95);
    expect(choice).toMatchObject({ kind: 'Chosen', quote: { carrierCode: 'parcelnord' }, promiseMiss: false, riskPremiumCents: 240 });
    if (choice.kind === 'Chosen') expect(choice.cheapest).toMatchObject({ carrierCode: 'ecoroute', onTimeProbability: 0.6 });
  });

  it('a carrier that delivers later than it quotes loses the booking once the data shows it', () => {
    const trusted = chooseByLateRisk(quotes, () => 0.97, 0.95);
    const learned = chooseByLateRisk(quotes, (q) => (q.carrierCode === 'ecoroute' ? 0.7 : 0.97), 0.95);
    expect(trusted.kind === 'Chosen' && trusted.quote.carrierCode).toBe('ecoroute');
    expect(learned.kind === 'Chosen' && learned.quote.carrierCode).toBe('parcelnord');
  });

  it('when no service reaches the target, takes the most likely and records the miss', () => {
    const choice = chooseByLateRisk(quotes, (q) => (q.carrierCode === 'swiftpost' ? 0.9 : 0.5), 0.95);
    expect(choice).toMatchObject({ kind: 'Chosen', quote: { carrierCode: 'swiftpost' }, promiseMiss: true, onTimeProbability: 0.9 });
  });

  it("a promise out of every service's reach goes to the fastest, not the cheapest", () => {
    const express = { ...quote('parcelnord', 'pn_express', 1930, 1), estimatedDeliveryAt: '2026-03-04T12:00:00.000Z' };
    const choice = chooseByLateRisk([...quotes, express], () => 0, 0.95);
    expect(choice).toMatchObject({ kind: 'Chosen', quote: { serviceCode: 'pn_express' }, promiseMiss: true });
  });

  it('no quote, no choice', () => {
    expect(chooseByLateRisk([], () => 1, 0.95)).toEqual({ kind: 'NoServiceAvailable' });
  });
});
