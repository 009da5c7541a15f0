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
