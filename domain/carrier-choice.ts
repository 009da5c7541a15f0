import type { CarrierCode, RateQuote } from './carrier';

/**
 * Carrier choice: the cheapest service that keeps the promise; when none can, the fastest, with the miss recorded
 * (a late parcel is still better than a cheaper, later one). The price of always booking the fastest service is
 * returned too, so the process chart can show what the promise-aware choice saved.
 */

export type CarrierChoice =
  | {
      kind: 'Chosen';
      quote: RateQuote;
      /** No quote arrives by the promised date: the fastest was taken and the miss must be recorded. */
      promiseMiss: boolean;
      /** What booking the fastest quote would have cost. */
      fastestAmountCents: number;
      /** fastestAmountCents − quote.amountCents; never negative. */
      savingCents: number;
    }
  | { kind: 'NoServiceAvailable' };

/** Carriers missing from the reliability table rank below every known one. */
const UNKNOWN_RELIABILITY = -1;

export function chooseCarrierService(
  quotes: readonly RateQuote[],
  promisedBy: string,
  reliability: Readonly<Record<CarrierCode, number>>,
): CarrierChoice {
  if (quotes.length === 0) return { kind: 'NoServiceAvailable' };

  const promisedByMs = Date.parse(promisedBy);
  const deliveryMs = (quote: RateQuote) => Date.parse(quote.estimatedDeliveryAt);
  const reliabilityOf = (quote: RateQuote) => reliability[quote.carrierCode] ?? UNKNOWN_RELIABILITY;

  const byFinalTieBreak = (a: RateQuote, b: RateQuote) =>
    compareText(a.carrierCode, b.carrierCode) || compareText(a.serviceCode, b.serviceCode);
  const cheapestFirst = (a: RateQuote, b: RateQuote) =>
    a.amountCents - b.amountCents ||
    reliabilityOf(b) - reliabilityOf(a) ||
    a.deliveryDays - b.deliveryDays ||
    deliveryMs(a) - deliveryMs(b) ||
    byFinalTieBreak(a, b);
  const fastestFirst = (a: RateQuote, b: RateQuote) =>
    deliveryMs(a) - deliveryMs(b) || a.amountCents - b.amountCents || reliabilityOf(b) - reliabilityOf(a) || byFinalTieBreak(a, b);

  const fastest = [...quotes].sort(fastestFirst)[0];
  if (!fastest) return { kind: 'NoServiceAvailable' };

  const onTime = quotes.filter((quote) => deliveryMs(quote) <= promisedByMs).sort(cheapestFirst)[0];
  const quote = onTime ?? fastest;
  return {
    kind: 'Chosen',
    quote,
    promiseMiss: onTime === undefined,
    fastestAmountCents: fastest.amountCents,
    savingCents: Math.max(0, fastest.amountCents - quote.amountCents),
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Carrier choice by late risk: the cheapest service whose learned probability of delivering by the promise
 * reaches `target` — not the carrier's own estimate. When none reaches it, the most likely to (the fastest
 * among equally likely ones), with the miss recorded. `riskPremiumCents` is what keeping the promise cost over the cheapest quote: what was paid for risk.
 */
export type LateRiskChoice =
  | {
      kind: 'Chosen';
      quote: RateQuote;
      /** Learned P(delivered by the promise) of the chosen service. */
      onTimeProbability: number;
      /** No service reaches the target: the most likely was taken and the miss must be recorded. */
      promiseMiss: boolean;
      /** Chosen − cheapest quote, ≥ 0. */
      riskPremiumCents: number;
      /** The cheapest quote's carrier and service, and its learned probability: what the premium bought out of. */
      cheapest: { carrierCode: string; serviceCode: string; amountCents: number; onTimeProbability: number };
    }
  | { kind: 'NoServiceAvailable' };

export function chooseByLateRisk(
  quotes: readonly RateQuote[],
  onTimeProbability: (quote: RateQuote) => number,
  target: number,
): LateRiskChoice {
  if (quotes.length === 0) return { kind: 'NoServiceAvailable' };
  const scored = quotes.map((quote) => ({ quote, p: onTimeProbability(quote) }));
  const byPrice = [...scored].sort(
    (a, b) =>
      a.quote.amountCents - b.quote.amountCents ||
      b.p - a.p ||
      compareText(a.quote.carrierCode, b.quote.carrierCode) ||
      compareText(a.quote.serviceCode, b.quote.serviceCode),
  );
  const cheapest = byPrice[0];
  if (!cheapest) return { kind: 'NoServiceAvailable' };
  const keeping = byPrice.find((s) => s.p >= target - 1e-12);
  // Equally unlikely services (a promise already out of reach gives every one 0) go to the fastest: a late
  // parcel is still better than a cheaper, later one.
  const mostLikely =
    [...byPrice].sort(
      (a, b) =>
        b.p - a.p ||
        Date.parse(a.quote.estimatedDeliveryAt) - Date.parse(b.quote.estimatedDeliveryAt) ||
        a.quote.deliveryDays - b.quote.deliveryDays ||
        a.quote.amountCents - b.quote.amountCents,
    )[0] ?? cheapest;
  const chosen = keeping ?? mostLikely;
  return {
    kind: 'Chosen',
    quote: chosen.quote,
    onTimeProbability: chosen.p,
    promiseMiss: keeping === undefined,
    riskPremiumCents: Math.max(0, chosen.quote.amountCents - cheapest.quote.amountCents),
    cheapest: {
      carrierCode: cheapest.quote.carrierCode,
      serviceCode: cheapest.quote.serviceCode,
      amountCents: cheapest.quote.amountCents,
      onTimeProbability: cheapest.p,
    },
  };
}
