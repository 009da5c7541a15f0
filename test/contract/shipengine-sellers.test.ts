import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCarrierActivities } from '../../activities/carrier-booking';
import type { RateShop } from '../../activities/carrier-booking/rate-shop';
import { planningFactsFor } from '../../activities/index';
import { buildCarriers, type Carriers, shipEngineWiring, warehousesWithoutShipFrom } from '../../carriers/wiring';
import { loadConfig } from '../../config';
import type { RateRequest } from '../../domain/carrier';
import { WAREHOUSES } from '../../prisma/seed-data/warehouses';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { type PrismMock, startPrism } from '../support/prism';
import { correctedDefinition } from '../support/shipengine-definition';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';

/**
 * An operator who books one carrier code through ShipEngine ships real parcels: the simulated carriers
 * that still serve the other codes (their labels sold before keep being tracked and voided) must sell
 * no new label, or a real parcel could leave with a label of a carrier that does not exist.
 */

const SE_ID = 'se-28529731';
let mock: PrismMock;
let database: TestDatabase;
let carriers: Carriers;

const request: RateRequest = {
  shipmentId: 'ORD-SEL1-S1',
  from: { warehouseCode: WAREHOUSES[0]?.code ?? 'PAR1', postalCode: '75011', countryCode: 'FR' },
  to: SHIPENGINE_RECIPIENT,
  parcels: [{ lengthMm: 300, widthMm: 200, heightMm: 150, weightGrams: 1200 }],
  shipAt: new Date(Date.now() + 3_600_000).toISOString(),
};

beforeAll(async () => {
  mock = await startPrism(await correctedDefinition());
  database = await createTestDatabase(2);
  // The README's variables, one carrier code booked through ShipEngine; the API URL only because Prism plays it.
  const wiring = shipEngineWiring(
    loadConfig({
      COLIS_SHIPENGINE_API_KEY: 'TEST_sellers-key-0123456789',
      COLIS_SHIPENGINE_CARRIERS: `${SE_ID}=ecoroute`,
      COLIS_SHIPENGINE_WAREHOUSES: WAREHOUSES.map((w) => `${w.code}=${SE_ID}`).join(','),
      COLIS_SHIPENGINE_API_URL: mock.url,
    }),
  );
  if (!wiring) throw new Error('the ShipEngine variables did not configure ShipEngine');
  carriers = buildCarriers({ shipEngine: { ...wiring, fetch: mock.fetch } });
});

afterAll(async () => {
  carriers?.close();
  await database?.drop();
  await mock?.stop();
});

describe('a deployment that books a carrier through ShipEngine', () => {
  it('asks only ShipEngine for rates: the simulated carriers sell nothing, yet still serve their past labels', async () => {
    const shop = (await new MockActivityEnvironment().run(() =>
      createCarrierActivities({ db: database.db, carriers }).quoteAllCarriers({ request }),
    )) as RateShop;
    expect(shop.carriers.map((c) => c.code)).toEqual(['ecoroute']);
    expect(shop.quotes.length).toBeGreaterThan(0);
    expect(new Set(shop.quotes.map((q) => q.carrierCode))).toEqual(new Set(['ecoroute']));
    // Every quote is ShipEngine's own (USD): with no EUR quote to be had, they are compared among themselves.
    expect(new Set(shop.quotes.map((q) => q.currency))).toEqual(new Set(['USD']));
    expect(carriers.codes()).toEqual(expect.arrayContaining(['swiftpost', 'parcelnord', 'ecoroute']));
    expect(carriers.get('swiftpost').code).toBe('swiftpost');
    expect(mock.exchanges.flatMap((e) => e.requestViolations.map((v) => `${e.method} ${e.path}: ${v.message}`))).toEqual([]);
  });

  it('names the active warehouses ShipEngine has no ship-from for (their parcels would get no carrier), none without ShipEngine', async () => {
    const [first, ...others] = WAREHOUSES.map((w) => w.code);
    const settings = {
      COLIS_SHIPENGINE_API_KEY: 'TEST_sellers-key-0123456789',
      COLIS_SHIPENGINE_CARRIERS: `${SE_ID}=ecoroute`,
      COLIS_SHIPENGINE_WAREHOUSES: `${first}=${SE_ID}`,
    };
    expect(await warehousesWithoutShipFrom(loadConfig(settings), database.db)).toEqual([...others].sort());
    expect(await warehousesWithoutShipFrom(loadConfig({}), database.db)).toEqual([]);
  });

  it('without ShipEngine the simulated carriers are the default and sell', () => {
    const simulated = buildCarriers();
    try {
      expect(simulated.sellingCodes().sort()).toEqual(['ecoroute', 'parcelnord', 'swiftpost']);
    } finally {
      simulated.close();
    }
  });

  it("the workers' promises, allocation and carrier choice plan with the services of the carriers that sell", async () => {
    const planned = await planningFactsFor(database.db, carriers).networkFacts();
    expect(new Set(planned.services.map((s) => s.carrierCode))).toEqual(new Set(['ecoroute']));
    const simulated = buildCarriers();
    try {
      const everyCarrier = await planningFactsFor(database.db, simulated).networkFacts();
      expect(new Set(everyCarrier.services.map((s) => s.carrierCode))).toEqual(new Set(['ecoroute', 'parcelnord', 'swiftpost']));
    } finally {
      simulated.close();
    }
  });
});
