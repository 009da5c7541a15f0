import type { RateQuote } from './carrier';

/**
 * Money across currencies. Carriers quote in their own currency (ShipEngine in the account's, often
 * USD; the simulated carriers in EUR), orders are kept in the shop's; two quotes are compared only in
 * one currency. Exchange rates are configuration (COLIS_FX_RATES), never fetched: a rate shop must
 * not depend on one more outside service, and finance decides which rate the shop books at.
 */

/** The currency orders are kept in when nothing says otherwise (the shop's prices are in it). */
export const DEFAULT_CURRENCY = 'EUR';

/** `FROM:TO` → how many TO one FROM buys (`USD:EUR` → 0.92). */
export type FxRates = Readonly<Record<string, number>>;

/** Minor-unit digits of a currency (JPY none, EUR two, BHD three), from the runtime's ISO 4217 data. */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** The rate from one currency to another: given, or the reverse of the given reverse pair; undefined when neither is configured. */
export function fxRate(rates: FxRates, from: string, to: string): number | undefined {
  const source = from.toUpperCase();
  const target = to.toUpperCase();
  if (source === target) return 1;
  const direct = rates[`${source}:${target}`];
  if (direct !== undefined) return direct;
  const reverse = rates[`${target}:${source}`];
  return reverse === undefined ? undefined : 1 / reverse;
}

/** An amount in minor units of `from`, in minor units of `to` (rounded to the nearest), or undefined without a rate. */
export function convertMinor(amountMinor: number, from: string, to: string, rates: FxRates): number | undefined {
  const rate = fxRate(rates, from, to);
  if (rate === undefined) return undefined;
  if (rate === 1 && from.toUpperCase() === to.toUpperCase()) return amountMinor;
  const major = (amountMinor / 10 ** minorDigits(from)) * rate;
  return Math.round(major * 10 ** minorDigits(to));
}

export interface QuoteLeftOut {
  carrierCode: string;
  serviceCode: string;
  currency: string;
  reason: string;
}

/**
 * The quotes a rate shop compares, never two currencies as if they were one — comparing 12.00 USD with
 * 11.00 EUR as numbers would pick by accident. A quote in another currency than the order's is
 * converted at the configured rate (what the carrier quoted is kept in `quoted`), or, with no rate, left
 * out with the reason. When no quote at all can be had in the order's currency (every carrier of the
 * shop quotes through one ShipEngine account in USD, no rate configured), the quotes of one currency
 * (the one most quotes are in) are compared among themselves, as they are: nothing crosses currencies.
 */
export function quotesIn(currency: string, quotes: readonly RateQuote[], rates: FxRates): { quotes: RateQuote[]; leftOut: QuoteLeftOut[] } {
  const target = currency.toUpperCase();
  const inTarget: RateQuote[] = [];
  const foreign: RateQuote[] = [];
  for (const quote of quotes) {
    const source = quote.currency.toUpperCase();
    const amountCents = convertMinor(quote.amountCents, source, target, rates);
    if (amountCents === undefined) foreign.push({ ...quote, currency: source });
    else if (source === target) inTarget.push({ ...quote, currency: target });
    else inTarget.push({ ...quote, amountCents, currency: target, quoted: { amountCents: quote.amountCents, currency: source } });
  }
  const compared = inTarget.length > 0 ? target : mostQuotedCurrency(foreign);
  const kept = inTarget.length > 0 ? inTarget : foreign.filter((quote) => quote.currency === compared);
  const leftOut = foreign
    .filter((quote) => quote.currency !== compared)
    .map((quote) => ({
      carrierCode: quote.carrierCode,
      serviceCode: quote.serviceCode,
      currency: quote.currency,
      reason:
        `quoted in ${quote.currency}, compared in ${compared}` +
        (compared === target
          ? ` (the order's currency), and COLIS_FX_RATES has no ${quote.currency}:${target} rate`
          : ` (no rate to ${target})`),
    }));
  return { quotes: kept, leftOut };
}

function mostQuotedCurrency(quotes: readonly RateQuote[]): string | undefined {
  const counts = new Map<string, number>();
  for (const quote of quotes) counts.set(quote.currency, (counts.get(quote.currency) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}
