import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config';
import type { RateQuote } from '../../domain/carrier';
import { convertMinor, fxRate, quotesIn } from '../../domain/money';

/**
 * Carrier quotes in several currencies (a ShipEngine account in USD beside carriers quoting in EUR)
 * are compared in the order's currency only: converted at COLIS_FX_RATES, or left out with the reason.
 */

const quote = (carrierCode: string, amountCents: number, currency: string): RateQuote => ({
  carrierCode,
  serviceCode: `${carrierCode}_std`,
  serviceLevel: 'standard',
  amountCents,
  currency,
  deliveryDays: 2,
  estimatedDeliveryAt: '2026-12-02T12:00:00.000Z',
  guaranteed: false,
});

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'accepted';
}

describe('exchange rates', () => {
  it('a configured pair converts both ways, between currencies of different minor units', () => {
    const rates = { 'USD:EUR': 0.92, 'EUR:JPY': 160 };
    expect(fxRate(rates, 'usd', 'EUR')).toBe(0.92);
    expect(convertMinor(1200, 'USD', 'EUR', rates)).toBe(1104);
    expect(convertMinor(1104, 'EUR', 'USD', rates)).toBe(1200);
    // 10.00 EUR is 1,600 yen (no minor unit), and back.
    expect(convertMinor(1000, 'EUR', 'JPY', rates)).toBe(1600);
    expect(convertMinor(1600, 'JPY', 'EUR', rates)).toBe(1000);
    expect(convertMinor(700, 'EUR', 'EUR', {})).toBe(700);
    expect(convertMinor(1200, 'GBP', 'EUR', rates)).toBeUndefined();
  });

  it('a USD quote is not compared with EUR ones as if it were EUR: converted when a rate is set, else left out with the reason', () => {
    const quotes = [quote('swiftpost', 1100, 'EUR'), quote('ups', 1200, 'USD'), quote('parcelnord', 1150, 'eur')];
    const without = quotesIn('EUR', quotes, {});
    expect(without.quotes.map((q) => q.carrierCode)).toEqual(['swiftpost', 'parcelnord']);
    expect(without.leftOut).toEqual([
      {
        carrierCode: 'ups',
        serviceCode: 'ups_std',
        currency: 'USD',
        reason: "quoted in USD, compared in EUR (the order's currency), and COLIS_FX_RATES has no USD:EUR rate",
      },
    ]);
    // At 0.85, 12.00 USD is 10.20 EUR: the cheapest, though 1200 is the largest number quoted.
    const converted = quotesIn('EUR', quotes, { 'USD:EUR': 0.85 });
    expect(converted.leftOut).toEqual([]);
    expect(converted.quotes.find((q) => q.carrierCode === 'ups')).toMatchObject({
      amountCents: 1020,
      currency: 'EUR',
      quoted: { amountCents: 1200, currency: 'USD' },
    });
    const cheapest = [...converted.quotes].sort((a, b) => a.amountCents - b.amountCents)[0];
    expect(cheapest?.carrierCode).toBe('ups');
    expect(new Set(converted.quotes.map((q) => q.currency))).toEqual(new Set(['EUR']));
  });

  it('with no quote to be had in the order currency and no rate, the quotes of one currency are compared among themselves, the others left out', () => {
    const quotes = [quote('ups', 1200, 'USD'), quote('usps', 900, 'usd'), quote('royalmail', 500, 'GBP')];
    const compared = quotesIn('EUR', quotes, {});
    expect(compared.quotes.map((q) => [q.carrierCode, q.amountCents, q.currency])).toEqual([
      ['ups', 1200, 'USD'],
      ['usps', 900, 'USD'],
    ]);
    expect(compared.leftOut).toEqual([
      expect.objectContaining({ carrierCode: 'royalmail', reason: 'quoted in GBP, compared in USD (no rate to EUR)' }),
    ]);
    // A rate for one of them brings it into the order's currency, and the others are left out.
    const withRate = quotesIn('EUR', quotes, { 'GBP:EUR': 1.2 });
    expect(withRate.quotes).toEqual([expect.objectContaining({ carrierCode: 'royalmail', amountCents: 600, currency: 'EUR' })]);
    expect(withRate.leftOut.map((q) => q.carrierCode)).toEqual(['ups', 'usps']);
  });

  it('COLIS_FX_RATES is parsed once: pairs, upper-cased; a malformed entry, a non-positive rate or a pair given twice stops the start naming the variable', () => {
    expect(loadConfig({ COLIS_FX_RATES: 'usd:eur=0.92, GBP:EUR=1.17' }).COLIS_FX_RATES).toEqual({ 'USD:EUR': 0.92, 'GBP:EUR': 1.17 });
    expect(loadConfig({}).COLIS_FX_RATES).toBeUndefined();
    for (const bad of ['USD=0.92', 'USD:EUR=0', 'USD:EUR=-1', 'USD:USD=1', 'USD:EUR=0.9,EUR:USD=1.1', 'USD:EURO=1']) {
      expect(refusal({ COLIS_FX_RATES: bad }), bad).toContain('COLIS_FX_RATES');
    }
  });
});
