import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CarrierApiError, isCarrierError } from '../../activities/carriers/errors';
import { ShipEngineCarrier } from '../../activities/carriers/shipengine/adapter';
import { shipEngineAddressValidator } from '../../activities/carriers/shipengine/address-validator';
import { ShipEngineHttp } from '../../activities/carriers/shipengine/http';
import { subscribeTrackWebhook } from '../../activities/carriers/shipengine/track-subscription';
import { isStorableInstant } from '../../domain/clock';
import type { BuyLabelRequest } from '../../domain/carrier';
import { screenScans } from '../../domain/scan-screening';
import { type PrismMock, type Steer, startPrism } from '../support/prism';
import { dynamicDefinition } from '../support/shipengine-definition';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';

/**
 * The adapter against Prism's dynamic mode: every answer generated at random yet valid per ShipEngine's definition
 * (optional fields absent, nulls, odd enum values and currencies, empty arrays, long strings, dates as odd as their
 * patterns allow), and its documented errors with random codes. Whatever comes, each operation ends in a value or a
 * typed carrier error (a workflow task never meets anything else), none carries the key or the address, a purchase
 * buys at most one label and never fails retryably over the label it bought, and every request conforms.
 */

const API_KEY = 'TEST_dynamic-key-0123456789';
const CARRIER_ID = 'se-28529731';
const ROUNDS = 40;
const purchase: BuyLabelRequest = {
  shipmentId: 'ORD-D1-S1',
  from: { warehouseCode: 'PAR1', postalCode: '75011', countryCode: 'FR' },
  to: SHIPENGINE_RECIPIENT,
  parcels: [{ lengthMm: 300, widthMm: 200, heightMm: 150, weightGrams: 1200 }],
  shipAt: '2026-12-01T09:30:00.000Z',
  serviceCode: 'string',
  idempotencyKey: 'ORD-D1-S1:1',
};
const SECRETS = [API_KEY, SHIPENGINE_RECIPIENT.name, SHIPENGINE_RECIPIENT.line1, SHIPENGINE_RECIPIENT.phone ?? API_KEY];

let mock: PrismMock;
/**
 * Prism's own failures (its generator crashing: a problem answer of type UNKNOWN), which would hide what ShipEngine
 * can answer. Its other problems are answers: no such path (a download link at random), a status not documented there.
 */
let prismFailures = 0;
const countingFetch: typeof fetch = async (input, init) => {
  const response = await mock.fetch(input, init);
  const problem = response.headers.get('content-type')?.includes('problem+json');
  if (problem && (await response.clone().text()).includes('prism/errors#UNKNOWN')) prismFailures += 1;
  return response;
};

beforeAll(async () => {
  mock = await startPrism(await dynamicDefinition());
});

afterAll(async () => {
  await mock?.stop();
});

/** Round `round`'s answers: generated, and every fifth round one documented error status for every call. */
function steering(round: number): Steer[] {
  const status = [undefined, 400, 404, 500][Math.floor(round / 5) % 4];
  const prefer = round % 5 === 0 && status ? `code=${status}, dynamic=true` : 'dynamic=true';
  return [
    // Half the purchases find no label under the key, a third no shipment: the purchase itself is reached.
    { method: 'GET', path: /^\/v1\/labels\/external_shipment_id\//, prefer: round % 2 ? 'code=404, dynamic=true' : prefer },
    { method: 'GET', path: /^\/v1\/shipments\/external_shipment_id\//, prefer: round % 3 ? 'code=404, dynamic=true' : prefer },
    ...(['GET', 'POST', 'PUT'] as const).map((method) => ({ method, path: /.*/, prefer })),
  ];
}

async function outcome(operation: string, call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    if (!isCarrierError(error)) throw new Error(`${operation} ended in ${String(error)}, not a carrier error`);
    const text = `${String(error)} ${JSON.stringify(error)}`;
    expect(SECRETS.filter((secret) => text.includes(secret))).toEqual([]);
    return error;
  }
}

describe("ShipEngine adapter against Prism's dynamic answers", () => {
  it('ends every operation in a value or a typed carrier error, buys at most one label a purchase, and sends only conforming requests', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      mock.steer(steering(round));
      const http = new ShipEngineHttp({ apiUrl: mock.url, apiKey: API_KEY, timeoutMs: 30_000, fetch: countingFetch });
      const carrier = new ShipEngineCarrier({
        http,
        account: { carrierCode: 'swiftpost', carrierId: CARRIER_ID },
        warehouses: { PAR1: 'se-28529731' },
        now: () => Date.parse('2026-12-01T10:00:00.000Z'),
      });
      await outcome('quote', () => carrier.quote(purchase));

      const before = mock.exchanges.length;
      const bought = await outcome('buyLabel', () => carrier.buyLabel(purchase));
      const sent = mock.exchanges.slice(before);
      expect(sent.filter((e) => e.method === 'POST' && e.path.startsWith('/v1/labels/rates/')).length).toBeLessThanOrEqual(1);
      // A label it cannot use is voided and refused: retrying would only find it again, for ever.
      if (bought instanceof CarrierApiError) expect(bought.message).not.toMatch(/tracking number|several currencies/);

      const events = await outcome('track', () => carrier.track('1Z999AA10123456784'));
      if (Array.isArray(events)) {
        const screened = screenScans(events, Date.parse('2026-12-01T10:00:00.000Z'));
        for (const event of screened.events) expect(isStorableInstant(Date.parse(event.occurredAt))).toBe(true);
      }
      await outcome('void', () => carrier.voidLabel('se-123456'));
      await outcome('labelDocument', () => carrier.labelDocument('se-123456', 'pdf'));
      await outcome('returnLabel', () => carrier.returnLabel({ carrierLabelId: 'se-123456', idempotencyKey: 'ORD-D1-S1:return:1' }));
      await outcome('validate', () => shipEngineAddressValidator(http).validate(SHIPENGINE_RECIPIENT));
      await outcome('subscribe', () => subscribeTrackWebhook(http, 'https://colis.example.com/carriers/shipengine/track'));
    }
    expect(prismFailures).toBe(0);
    expect(mock.exchanges.flatMap((e) => e.requestViolations.map((v) => `${e.method} ${e.path}: ${v.message}`))).toEqual([]);
  }, 300_000);
});
