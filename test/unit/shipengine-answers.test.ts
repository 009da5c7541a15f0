import { describe, expect, it } from 'vitest';
import { ShipEngineCarrier } from '../../activities/carriers/shipengine/adapter';
import { ShipEngineHttp } from '../../activities/carriers/shipengine/http';
import type { BuyLabelRequest } from '../../domain/carrier';
import { SHIPENGINE_RECIPIENT } from '../support/shipengine-recipient';
import { failureOf } from '../support/failure-of';

/**
 * Answers ShipEngine's definition allows and its documented examples do not show (Prism's dynamic mode
 * generates them): amounts of nothing in another currency than the charge, a label without a tracking
 * number. Each is read as what it means, and a label Colis cannot use is voided and refused with its
 * reason, never retried into a loop nor bought twice.
 */

const CARRIER_ID = 'se-28529731';
const request: BuyLabelRequest = {
  shipmentId: 'ORD-A1-S1',
  from: { warehouseCode: 'PAR1', postalCode: '75011', countryCode: 'FR' },
  to: SHIPENGINE_RECIPIENT,
  parcels: [{ lengthMm: 300, widthMm: 200, heightMm: 150, weightGrams: 1200 }],
  shipAt: '2026-12-01T09:30:00.000Z',
  serviceCode: 'colissimo_home',
  idempotencyKey: 'ORD-A1-S1:1',
};

const eur = (amount: number) => ({ currency: 'eur', amount });
const usd = (amount: number) => ({ currency: 'usd', amount });

const rate = (overrides: Record<string, unknown> = {}) => ({
  rate_id: 'se-rate-1',
  carrier_id: CARRIER_ID,
  service_code: 'colissimo_home',
  shipping_amount: eur(12.5),
  insurance_amount: usd(0),
  confirmation_amount: usd(0),
  other_amount: usd(0),
  delivery_days: 2,
  estimated_delivery_date: '2026-12-03T00:00:00Z',
  ...overrides,
});

const label = (overrides: Record<string, unknown> = {}) => ({
  label_id: 'se-label-1',
  status: 'completed',
  shipment_id: 'se-shipment-1',
  carrier_id: CARRIER_ID,
  service_code: 'colissimo_home',
  tracking_number: '6A12345678901',
  shipment_cost: eur(12.5),
  insurance_cost: usd(0),
  created_at: '2026-12-01T10:00:00Z',
  voided: false,
  label_download: { href: 'https://api.shipengine.com/v1/downloads/1/label.pdf' },
  ...overrides,
});

interface Scripted {
  carrier: ShipEngineCarrier;
  calls: string[];
}

/** ShipEngine as scripted: `answers` by "METHOD path" prefix; the label lookup finds `bought` once a label was sold. */
function scripted(answers: {
  rates: unknown[];
  label: Record<string, unknown>;
  boughtBefore?: Record<string, unknown>;
  rateResponse?: Record<string, unknown>;
  /** The label lookup's answer instead of the label bought (or 404). */
  lookup?: { status: number; body: unknown };
  /** What `POST /v1/labels/{outbound}/return` sells. */
  returnLabel?: Record<string, unknown>;
}): Scripted {
  const calls: string[] = [];
  let bought = answers.boughtBefore;
  const json = (status: number, body: unknown) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const notFound = () =>
    json(404, { request_id: 'req-1', errors: [{ error_source: 'shipengine', error_type: 'validation', error_code: 'not_found' }] });
  const send: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const call = `${init?.method ?? 'GET'} ${url.pathname}`;
    calls.push(call);
    if (call.startsWith('GET /v1/labels/external_shipment_id/')) {
      if (answers.lookup) return json(answers.lookup.status, answers.lookup.body);
      return bought ? json(200, bought) : notFound();
    }
    if (call.startsWith('GET /v1/shipments/external_shipment_id/')) return notFound();
    if (call.startsWith('GET /v1/warehouses/')) return json(200, { warehouse_id: 'se-wh', origin_address: { name: 'PAR1' } });
    if (call === 'POST /v1/shipments') return json(200, { has_errors: false, shipments: [{ shipment_id: 'se-shipment-1' }] });
    if (call === 'POST /v1/rates')
      return json(200, { shipment_id: 'se-shipment-1', rate_response: { rates: answers.rates, ...answers.rateResponse } });
    if (call.startsWith('POST /v1/labels/rates/')) {
      bought = answers.label;
      return json(200, bought);
    }
    if (call === 'GET /v1/labels/se-outbound') return json(200, label({ label_id: 'se-outbound' }));
    if (call === 'GET /v1/labels') return json(200, { labels: [] });
    if (call === 'POST /v1/labels/se-outbound/return' && answers.returnLabel) return json(200, answers.returnLabel);
    if (call.startsWith('PUT /v1/labels/') && call.endsWith('/void')) {
      if (bought) bought = { ...bought, voided: true, status: 'voided' };
      return json(200, { approved: true, message: 'voided' });
    }
    if (call.startsWith('GET /v1/carriers/')) return json(200, { carrier_code: 'colissimo' });
    if (call === 'POST /v1/tracking/start') return json(204, undefined);
    return notFound();
  };
  const carrier = new ShipEngineCarrier({
    http: new ShipEngineHttp({ apiUrl: 'https://shipengine.invalid', apiKey: 'TEST_answers-key', timeoutMs: 1_000, fetch: send }),
    account: { carrierCode: 'swiftpost', carrierId: CARRIER_ID },
    warehouses: { PAR1: 'se-wh' },
    now: () => Date.parse('2026-12-01T10:00:00.000Z'),
  });
  return { carrier, calls };
}

describe('ShipEngine answers the definition allows', () => {
  it('amounts of nothing in another currency (insurance, confirmation: usd 0 beside a charge in eur) leave the rate and the label priced in eur', async () => {
    const { carrier } = scripted({ rates: [rate()], label: label() });
    expect(await carrier.quote(request)).toEqual([
      expect.objectContaining({ serviceCode: 'colissimo_home', amountCents: 1250, currency: 'EUR' }),
    ]);
    expect(await carrier.buyLabel(request)).toMatchObject({ trackingNumber: '6A12345678901', amountCents: 1250, currency: 'EUR' });
  });

  it('a rate charged in two currencies is left out, not the carrier with it', async () => {
    const { carrier } = scripted({
      rates: [rate({ rate_id: 'se-rate-0', service_code: 'colissimo_signed', insurance_amount: usd(1.5) }), rate()],
      label: label(),
    });
    expect((await carrier.quote(request)).map((q) => q.serviceCode)).toEqual(['colissimo_home']);
  });

  it('a label bought without a tracking number is voided and refused with its reason; its retry buys nothing', async () => {
    const { carrier, calls } = scripted({ rates: [rate()], label: label({ tracking_number: null }) });
    const refused = await failureOf(carrier.buyLabel(request));
    expect(refused).toMatchObject({ type: 'CarrierRejected', retryable: false });
    expect(String((refused as Error).message)).toMatch(/no tracking number.*voided/);
    expect(calls.filter((c) => c.startsWith('POST /v1/labels/rates/'))).toHaveLength(1);
    expect(calls).toContain('PUT /v1/labels/se-label-1/void');
    // A retry of the same purchase (the activity's, or one after a lost answer) finds the voided label: refused, nothing bought.
    expect(await failureOf(carrier.buyLabel(request))).toMatchObject({ type: 'CarrierRejected', retryable: false });
    expect(calls.filter((c) => c.startsWith('POST /v1/labels/rates/'))).toHaveLength(1);
  });

  it('a label found under the key without a tracking number (bought before the answer was lost) is voided and refused too', async () => {
    const { carrier, calls } = scripted({ rates: [rate()], label: label(), boughtBefore: label({ tracking_number: '' }) });
    expect(await failureOf(carrier.buyLabel(request))).toMatchObject({ type: 'CarrierRejected', retryable: false });
    expect(calls).toContain('PUT /v1/labels/se-label-1/void');
    expect(calls.filter((c) => c.startsWith('POST /v1/labels/rates/'))).toEqual([]);
  });

  it("a rate answer with no rate and ShipEngine's errors says why (its codes, never its text), refused or retried as its errors are", async () => {
    const carrierError = (error_type: string, error_code: string) => ({
      error_source: 'carrier',
      error_type,
      error_code,
      message: `the carrier cannot deliver to ${SHIPENGINE_RECIPIENT.line1}`,
    });
    const refused = scripted({
      rates: [],
      label: label(),
      rateResponse: {
        status: 'error',
        errors: [carrierError('validation', 'invalid_address')],
        invalid_rates: [rate({ validation_status: 'invalid', error_messages: [`bad ${SHIPENGINE_RECIPIENT.line1}`] })],
      },
    });
    const rejection = await failureOf(refused.carrier.quote(request));
    expect(rejection).toMatchObject({ type: 'CarrierRejected', reason: 'invalid_address', retryable: false });
    expect(String((rejection as Error).message)).toContain('invalid_address');
    expect(`${String(rejection)} ${JSON.stringify(rejection)}`).not.toContain(SHIPENGINE_RECIPIENT.line1);
    const overloaded = scripted({
      rates: [],
      label: label(),
      rateResponse: { status: 'error', errors: [carrierError('system', 'unspecified')] },
    });
    expect(await failureOf(overloaded.carrier.quote(request))).toMatchObject({ type: 'CarrierApiError', retryable: true });
    // Some rates and some errors (a partial answer): the rates count, the errors do not refuse them.
    const partial = scripted({
      rates: [rate()],
      label: label(),
      rateResponse: { status: 'partial', errors: [carrierError('validation', 'invalid_address')] },
    });
    expect(await partial.carrier.quote(request)).toHaveLength(1);
    // No rate and no error: simply no rate (the booking asks the other carriers, then ops).
    expect(await scripted({ rates: [], label: label() }).carrier.quote(request)).toEqual([]);
  });

  it('a label lookup ShipEngine refuses (a 400, not a 404) leaves unknown whether a label was bought: retried, nothing bought', async () => {
    const refusedLookup = {
      status: 400,
      body: { request_id: 'req-2', errors: [{ error_source: 'shipengine', error_type: 'validation', error_code: 'invalid_field_value' }] },
    };
    const { carrier, calls } = scripted({ rates: [rate()], label: label(), lookup: refusedLookup });
    // Refused (non-retryable), the booking would take another carrier while a label bought by an earlier attempt may exist.
    expect(await failureOf(carrier.buyLabel(request))).toMatchObject({ type: 'CarrierApiError', retryable: true });
    expect(calls.filter((c) => !c.startsWith('GET /v1/labels/external_shipment_id/'))).toEqual([]);
  });

  it('a return label sold without a tracking number is voided and refused too (the return is then called off with its reason)', async () => {
    const returned = label({ label_id: 'se-return-1', tracking_number: null, is_return_label: true, outbound_label_id: 'se-outbound' });
    const { carrier, calls } = scripted({ rates: [rate()], label: label(), returnLabel: returned });
    const refused = await failureOf(carrier.returnLabel({ carrierLabelId: 'se-outbound', idempotencyKey: 'ORD-A1-S1:return:1' }));
    expect(refused).toMatchObject({ type: 'CarrierRejected', retryable: false });
    expect(String((refused as Error).message)).toMatch(/no tracking number.*voided/);
    expect(calls).toContain('PUT /v1/labels/se-return-1/void');
  });
});
