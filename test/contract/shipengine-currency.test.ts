import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCarrierActivities } from '../../activities/carrier-booking';
import type { RateShop } from '../../activities/carrier-booking/rate-shop';
import { buildCarriers, type Carriers, type ShipEngineWiring } from '../../carriers/wiring';
import type { RateRequest } from '../../domain/carrier';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';

/**
 * One rate shop across a ShipEngine account that quotes in USD (Prism serving ShipEngine's own
 * definition, whose documented rate is in "usd") and the simulated carriers quoting in EUR, for an
 * order kept in EUR: the USD quote is never compared as if it were EUR. Without a rate it is left out
 * with the reason; with COLIS_FX_RATES it is converted, what the carrier quoted kept beside it.
 */

const SE_ID = 'se-28529731';
let mock: PrismMock;
let database: TestDatabase;
const registries: Carriers[] = [];

const request: RateRequest = {
  shipmentId: 'ORD-FX1-S1',
  from: { warehouseCode: WAREHOUSES[0]?.code ?? 'PAR1', postalCode: '75011', countryCode: 'FR' },
  to: SHIPENGINE_RECIPIENT,
  parcels: [{ lengthMm: 300, widthMm: 200, heightMm: 150, weightGrams: 1200 }],
  shipAt: new Date(Date.now() + 3_600_000).toISOString(),
};

function registry(fxRates?: Record<string, number>): Carriers {
  const wiring: ShipEngineWiring = {
    apiUrl: mock.url,
    apiKey: 'TEST_currency-key-0123456789',
    timeoutMs: 30_000,
    carriers: { ecoroute: SE_ID },
    warehouses: Object.fromEntries(WAREHOUSES.map((w) => [w.code, SE_ID])),
    fetch: mock.fetch,
  };
  // Mixed on purpose: the simulated carriers quote in EUR beside the USD account.
  const carriers = buildCarriers({ shipEngine: wiring, simulatedCarriersSell: true, ...(fxRates ? { fxRates } : {}) });
  registries.push(carriers);
  return carriers;
}

const rateShop = (carriers: Carriers): Promise<RateShop> =>
  new MockActivityEnvironment().run(() =>
    createCarrierActivities({ db: database.db, carriers }).quoteAllCarriers({ request }),
  ) as Promise<RateShop>;

beforeAll(async () => {
  mock = await startPrism(await correctedDefinition());
  database = await createTestDatabase(2);
});

afterAll(async () => {
  for (const carriers of registries) carriers.close();
  await database?.drop();
  await mock?.stop();
});

describe('a rate shop across currencies', () => {
  it('without an exchange rate the ShipEngine USD rate is left out, with the reason, and the EUR quotes are compared', async () => {
    const shop = await rateShop(registry());
    expect(shop.unanswered).toEqual([]);
    expect(shop.quotes.length).toBeGreaterThan(0);
    expect(shop.quotes.filter((q) => q.carrierCode === 'ecoroute')).toEqual([]);
    expect(new Set(shop.quotes.map((q) => q.currency))).toEqual(new Set(['EUR']));
    expect(shop.leftOut).toEqual([
      expect.objectContaining({
        carrierCode: 'ecoroute',
        currency: 'USD',
        reason: "quoted in USD, compared in EUR (the order's currency), and COLIS_FX_RATES has no USD:EUR rate",
      }),
    ]);
    expect(mock.exchanges.flatMap((e) => e.requestViolations.map((v) => `${e.method} ${e.path}: ${v.message}`))).toEqual([]);
  });

  it('with COLIS_FX_RATES the USD rate is compared in EUR, what ShipEngine quoted kept beside it', async () => {
    const shop = await rateShop(registry({ 'USD:EUR': 0.92 }));
    expect(shop.leftOut).toBeUndefined();
    const fromShipEngine = shop.quotes.filter((q) => q.carrierCode === 'ecoroute');
    expect(fromShipEngine.length).toBeGreaterThan(0);
    for (const quote of fromShipEngine) {
      expect(quote.currency).toBe('EUR');
      expect(quote.quoted?.currency).toBe('USD');
      expect(quote.amountCents).toBe(Math.round(((quote.quoted?.amountCents ?? Number.NaN) / 100) * 0.92 * 100));
    }
    expect(new Set(shop.quotes.map((q) => q.currency))).toEqual(new Set(['EUR']));
    expect(shop.quotes.filter((q) => q.carrierCode !== 'ecoroute').length).toBeGreaterThan(0);
  });
});
